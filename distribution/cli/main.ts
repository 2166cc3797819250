import { Command, CommanderError } from 'commander';
import type { AnyFactory } from '../../src/component/contract.js';
import { VERSION } from '../../src/version.js';
import { processIo, type Io } from './io.js';
import { addCommonOptions, type CommonOptions } from './options.js';
import { runCommand } from './run.js';
import { validateCommand } from './validate.js';

/**
 * Hook for `lumen doctor` (owned by the BPF engineer): if distribution/cli/doctor.ts exists and exports `doctorCommand`
 * — a commander Command, or a function returning one — it is added as a subcommand. Its action should set
 * `process.exitCode` or return a number through `setExitCode` below.
 */
async function optionalDoctor(): Promise<Command | undefined> {
  const url = new URL('./doctor.js', import.meta.url);
  let mod: { doctorCommand?: Command | (() => Command | Promise<Command>) };
  try {
    mod = (await import(url.href)) as typeof mod;
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { url?: string };
    if (err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('doctor')) return undefined;
    throw e;
  }
  const d = mod.doctorCommand;
  if (!d) return undefined;
  return typeof d === 'function' ? await d() : d;
}

export interface CliOptions {
  /** Extra component factories, for a program that ships its own `lumen` with custom components. */
  readonly components?: readonly AnyFactory[];
}

/** Runs the CLI with `argv` (process.argv shape: node, script, args…) and returns the exit code. */
export async function main(argv: readonly string[], io: Io = processIo, cli: CliOptions = {}): Promise<number> {
  let code = 0;
  const program = new Command('lumen')
    .description('Zero-code eBPF observability agent: OpenTelemetry traces, RED metrics and network flows.')
    .version(VERSION, '-v, --version')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run lumen --help for usage)');

  addCommonOptions(program.command('run').description('run the agent with a configuration (default ./pipelines.yaml)'))
    .action(async (opts: CommonOptions) => {
      code = await runCommand(opts, io, cli.components);
    });
  addCommonOptions(program.command('validate').description('check a configuration: parse, schema, graph, component construction'))
    .action(async (opts: CommonOptions) => {
      code = await validateCommand(opts, io, cli.components);
    });
  const doctor = await optionalDoctor();
  if (doctor) program.addCommand(doctor);

  try {
    await program.parseAsync([...argv]);
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit 0; usage errors (unknown option, bad choice) exit 2, message already printed.
      return e.exitCode === 0 ? 0 : 2;
    }
    throw e;
  }
  return typeof process.exitCode === 'number' && code === 0 ? process.exitCode : code;
}

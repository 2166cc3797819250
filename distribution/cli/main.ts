import { Command, CommanderError } from 'commander';
import type { AnyFactory } from '../../src/component/contract.js';
import { VERSION } from '../../src/version.js';
import { processIo, type Io } from './io.js';
import { addCommonOptions, type CommonOptions } from './options.js';
import { runCommand } from './run.js';
import { validateCommand, type ValidateOptions } from './validate.js';
import { migrateCommand } from './migrate.js';
import { doctorCommand } from './doctor.js';

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
    .option('--print-pipeline', 'print the equivalent pipelines.yaml on stdout (a Beyla/OBI configuration translated)')
    .action(async (opts: ValidateOptions) => {
      code = await validateCommand(opts, io, cli.components);
    });
  addCommonOptions(program.command('migrate').description('print the pipelines.yaml equivalent to a Beyla/OBI configuration (file, or BEYLA_*/OTEL_EBPF_* variables)'))
    .argument('[file]', 'the Beyla/OBI configuration (default: $BEYLA_CONFIG_PATH, $OTEL_EBPF_CONFIG_PATH, or the environment alone)')
    .action(async (file: string | undefined, opts: CommonOptions) => {
      code = await migrateCommand(file, opts, io, cli.components);
    });
  program.addCommand(doctorCommand(cli.components));

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

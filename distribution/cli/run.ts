import { parseDuration } from '../../src/config/duration.js';
import { ConfigError } from '../../src/config/errors.js';
import { readConfigFile } from '../../src/config/load.js';
import { installSignalHandlers } from '../../src/agent.js';
import { createAgent } from '../agent.js';
import { StartError } from '../../src/engine/engine.js';
import type { AnyFactory } from '../../src/component/contract.js';
import { createLogger } from '../../src/telemetry/pino-logger.js';
import type { Logger } from '../../src/telemetry/logger.js';
import type { LumenConfig } from '../../src/config/schema.js';
import { chooseConfig, type CommonOptions } from './options.js';
import type { Io } from './io.js';

/**
 * `lumen run`: validate, start, run until SIGINT/SIGTERM, stop gracefully within service.shutdown_timeout.
 * Exit codes: 0 clean stop, 2 invalid configuration, 1 start failure or a shutdown that overran its timeout.
 */
export async function runCommand(opts: CommonOptions, io: Io, components: readonly AnyFactory[] = []): Promise<number> {
  const choice = chooseConfig(opts, io.env);
  let yaml: string;
  try {
    // No file: the BEYLA_* / OTEL_EBPF_* variables alone (an empty Beyla document they are applied to).
    yaml = choice.path ? readConfigFile(choice.path) : '';
  } catch (e) {
    return configFailure(e, io);
  }
  // The file is validated once, by createAgent; the logger is built from it (the command line's flags win).
  let logger!: Logger;
  const buildLogger = (config: LumenConfig): Logger => {
    const logs = config.service.telemetry.logs;
    logger = createLogger({ level: opts.logLevel ?? logs.level, format: opts.logFormat ?? logs.format });
    return logger;
  };
  let agent;
  try {
    agent = createAgent({ config: yaml, configPath: choice.path, env: io.env, logger: buildLogger, components, format: choice.format, flavor: choice.flavor, cpuPriority: true });
  } catch (e) {
    return configFailure(e, io);
  }
  const timeoutMs = parseDuration(agent.config.service.shutdown_timeout);
  let stopRequested!: () => void;
  const stopSignal = new Promise<void>((resolve) => (stopRequested = resolve));
  const release = installSignalHandlers({ stop: async () => stopRequested() }, logger);
  try {
    await agent.start();
  } catch (e) {
    release();
    if (e instanceof ConfigError) return configFailure(e, io);
    if (e instanceof StartError) {
      io.stderr(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
  // The agent runs until a signal, even when nothing else is pending (e.g. a replay that finished).
  const keepAlive = setInterval(() => {}, 1 << 30);
  await stopSignal;
  clearInterval(keepAlive);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    agent.stop().then(() => false),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs))),
  ]);
  clearTimeout(timer);
  release();
  // Whatever a component left behind (a socket, a timer) must not keep the process alive after a stop.
  setTimeout(() => process.exit(timedOut ? 1 : 0), 2000).unref();
  if (timedOut) {
    logger.error(`shutdown did not finish within service.shutdown_timeout (${agent.config.service.shutdown_timeout}); exiting anyway`);
    return 1;
  }
  return 0;
}

/** Prints a ConfigError as its error lines (never a stack trace) and returns exit code 2. */
export function configFailure(e: unknown, io: Io): number {
  if (!(e instanceof ConfigError)) throw e;
  io.stderr(`${e.lines.join('\n')}\n`);
  return 2;
}

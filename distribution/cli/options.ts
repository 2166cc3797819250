import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from '../../src/telemetry/pino-logger.js';
import { envSelectsTargets, type Flavor } from '../../src/config/beyla/index.js';

export interface CommonOptions {
  config?: string;
  logLevel?: LogLevel;
  logFormat?: LogFormat;
}

/** -c/--config, --log-level, --log-format: shared by run and validate (and available to doctor). */
export function addCommonOptions(cmd: Command): Command {
  return cmd
    .option('-c, --config <file>', 'configuration file, Lumen pipelines or Beyla/OBI (default: $LUMEN_CONFIG, $BEYLA_CONFIG_PATH, $OTEL_EBPF_CONFIG_PATH or ./pipelines.yaml)')
    .addOption(new Option('--log-level <level>', 'log level (overrides service.telemetry.logs.level)').choices([...LOG_LEVELS]))
    .addOption(new Option('--log-format <format>', 'log format on stderr (overrides service.telemetry.logs.format)').choices([...LOG_FORMATS]));
}

/** Which configuration a command reads. */
export interface ConfigChoice {
  /** The file, or '' when the environment alone configures Lumen (Beyla's file-less mode). */
  readonly path: string;
  /** How to name it in messages. */
  readonly label: string;
  readonly format?: 'beyla';
  readonly flavor?: Flavor;
}

/**
 * -c wins, then LUMEN_CONFIG, BEYLA_CONFIG_PATH (Beyla naming), OTEL_EBPF_CONFIG_PATH (OBI naming; either may name a Lumen file),
 * then ./pipelines.yaml; without it, BEYLA_* / OTEL_EBPF_* variables naming what to instrument (OPEN_PORT,
 * AUTO_TARGET_EXE, …) configure Lumen alone, as Beyla runs without a file. Otherwise ./pipelines.yaml (and its
 * "no such file" error).
 */
export function chooseConfig(opts: CommonOptions, env: NodeJS.ProcessEnv = process.env, exists: (p: string) => boolean = existsSync): ConfigChoice {
  const file = (path: string, extra: Partial<ConfigChoice> = {}): ConfigChoice => ({ path, label: path, ...extra });
  if (opts.config) return file(opts.config);
  if (env['LUMEN_CONFIG']) return file(env['LUMEN_CONFIG']);
  if (env['BEYLA_CONFIG_PATH']) return file(env['BEYLA_CONFIG_PATH'], { flavor: 'beyla' });
  if (env['OTEL_EBPF_CONFIG_PATH']) return file(env['OTEL_EBPF_CONFIG_PATH'], { flavor: 'obi' });
  if (!exists('pipelines.yaml') && envSelectsTargets(env)) return { path: '', label: '(environment)', format: 'beyla' };
  return file('pipelines.yaml');
}

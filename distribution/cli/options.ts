import { Option, type Command } from 'commander';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from '../../src/telemetry/pino-logger.js';

export interface CommonOptions {
  config?: string;
  logLevel?: LogLevel;
  logFormat?: LogFormat;
}

/** -c/--config, --log-level, --log-format: shared by run and validate (and available to doctor). */
export function addCommonOptions(cmd: Command): Command {
  return cmd
    .option('-c, --config <file>', 'configuration file (default: $LUMEN_CONFIG, $OTEL_EBPF_CONFIG_PATH or ./pipelines.yaml)')
    .addOption(new Option('--log-level <level>', 'log level (overrides service.telemetry.logs.level)').choices([...LOG_LEVELS]))
    .addOption(new Option('--log-format <format>', 'log format on stderr (overrides service.telemetry.logs.format)').choices([...LOG_FORMATS]));
}

/** -c wins, then LUMEN_CONFIG, then OTEL_EBPF_CONFIG_PATH (Beyla/OBI users), then ./pipelines.yaml. */
export function configPath(opts: CommonOptions, env: NodeJS.ProcessEnv = process.env): string {
  return opts.config || env['LUMEN_CONFIG'] || env['OTEL_EBPF_CONFIG_PATH'] || 'pipelines.yaml';
}

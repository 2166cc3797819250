import { validateAgentConfig } from '../agent.js';
import { formatIssues } from '../../src/config/errors.js';
import type { AnyFactory } from '../../src/component/contract.js';
import { createLogger } from '../../src/telemetry/pino-logger.js';
import { chooseConfig, type CommonOptions } from './options.js';
import { pipelineText } from './validate.js';
import type { Io } from './io.js';

/**
 * `lumen migrate [beyla-config.yml]`: the equivalent pipelines.yaml on stdout (checked like `lumen validate`:
 * it is printed only when it is valid), warnings and errors on stderr. Without a file: BEYLA_CONFIG_PATH,
 * OTEL_EBPF_CONFIG_PATH, or the BEYLA_* / OTEL_EBPF_* variables alone. Exit 0, or 2 when invalid.
 */
export async function migrateCommand(file: string | undefined, opts: CommonOptions, io: Io, components: readonly AnyFactory[] = []): Promise<number> {
  const choice = chooseConfig({ ...opts, config: file ?? opts.config }, io.env);
  const logger = createLogger({ level: opts.logLevel ?? 'error', format: opts.logFormat ?? 'text' });
  const report = await validateAgentConfig({
    ...(choice.path ? { configPath: choice.path } : { config: '', configPath: '' }), env: io.env, logger, components, format: choice.format, flavor: choice.flavor,
  });
  for (const line of formatIssues(report.stages.flatMap((s) => s.issues))) io.stderr(`${line}\n`);
  if (!report.ok) return 2;
  if (!report.beyla) {
    io.stderr(`${choice.label} is a Lumen pipelines file already (it has service:, receivers: or exporters:); nothing to migrate\n`);
    return 2;
  }
  io.stdout(pipelineText(choice, report.beyla));
  return 0;
}

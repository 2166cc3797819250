import { stringify } from 'yaml';
import { validateAgentConfig } from '../agent.js';
import { formatIssues } from '../../src/config/errors.js';
import { readConfigFile } from '../../src/config/load.js';
import type { AnyFactory } from '../../src/component/contract.js';
import { createLogger } from '../../src/telemetry/pino-logger.js';
import { chooseConfig, type CommonOptions, type ConfigChoice } from './options.js';
import type { Io } from './io.js';

const MARK = { ok: '✓', failed: '✗', skipped: '-' } as const;

export interface ValidateOptions extends CommonOptions {
  /** Print the equivalent pipelines.yaml on stdout (the stage lines go to stderr then). */
  printPipeline?: boolean;
}

/**
 * `lumen validate`: one line per stage (parse, schema, graph, construction) on stdout, ✓ / ✗ / - (skipped);
 * the errors and warnings themselves on stderr. Exit 0 when valid (warnings allowed), 2 otherwise.
 * With --print-pipeline, stdout is the equivalent pipelines.yaml (a Beyla/OBI file translated).
 */
export async function validateCommand(opts: ValidateOptions, io: Io, components: readonly AnyFactory[] = []): Promise<number> {
  const choice = chooseConfig(opts, io.env);
  const logger = createLogger({ level: opts.logLevel ?? 'error', format: opts.logFormat ?? 'text' });
  const report = await validateAgentConfig({
    ...(choice.path ? { configPath: choice.path } : { config: '', configPath: '' }), env: io.env, logger, components, format: choice.format, flavor: choice.flavor,
  });
  const stageOut = opts.printPipeline ? io.stderr : io.stdout;
  for (const stage of report.stages) {
    const errors = stage.issues.filter((i) => i.severity === 'error').length;
    const warnings = stage.issues.length - errors;
    const detail = [errors ? `${errors} error${errors > 1 ? 's' : ''}` : '', warnings ? `${warnings} warning${warnings > 1 ? 's' : ''}` : '', stage.status === 'skipped' ? 'skipped' : '']
      .filter(Boolean)
      .join(', ');
    stageOut(`${MARK[stage.status]} ${stage.stage.padEnd(14)}${detail}\n`);
  }
  // Every stage's issues in stage order, capped: a file of random bytes must not answer with more than it holds.
  for (const line of formatIssues(report.stages.flatMap((s) => s.issues))) io.stderr(`${line}\n`);
  stageOut(report.ok ? `${choice.label}: valid\n` : `${choice.label}: invalid\n`);
  if (opts.printPipeline && report.ok) io.stdout(pipelineText(choice, report.beyla));
  return report.ok ? 0 : 2;
}

/** The pipelines.yaml a configuration amounts to: a Beyla/OBI one translated, a Lumen one as written. */
export function pipelineText(choice: ConfigChoice, beyla: { pipelines: Record<string, unknown>; flavor: string } | undefined): string {
  if (!beyla) return readConfigFile(choice.path);
  const from = choice.path ? `${choice.path}` : 'the BEYLA_* / OTEL_EBPF_* environment variables';
  const header = [
    `# Lumen pipelines translated from ${from} (${beyla.flavor === 'obi' ? 'OBI' : 'Beyla'} configuration) by lumen.`,
    '# Every option is described in docs/configuration.md; `lumen validate -c FILE` checks it.',
  ];
  return `${header.join('\n')}\n${stringify(beyla.pipelines, { lineWidth: 0 })}`;
}

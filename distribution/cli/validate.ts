import { validateAgentConfig } from '../agent.js';
import { formatIssues } from '../../src/config/errors.js';
import type { AnyFactory } from '../../src/component/contract.js';
import { createLogger } from '../../src/telemetry/pino-logger.js';
import { configPath, type CommonOptions } from './options.js';
import type { Io } from './io.js';

const MARK = { ok: '✓', failed: '✗', skipped: '-' } as const;

/**
 * `lumen validate`: one line per stage (parse, schema, graph, construction) on stdout, ✓ / ✗ / - (skipped);
 * the errors and warnings themselves on stderr. Exit 0 when valid (warnings allowed), 2 otherwise.
 */
export async function validateCommand(opts: CommonOptions, io: Io, components: readonly AnyFactory[] = []): Promise<number> {
  const path = configPath(opts, io.env);
  const logger = createLogger({ level: opts.logLevel ?? 'error', format: opts.logFormat ?? 'text' });
  const report = await validateAgentConfig({ configPath: path, env: io.env, logger, components });
  for (const stage of report.stages) {
    const errors = stage.issues.filter((i) => i.severity === 'error').length;
    const warnings = stage.issues.length - errors;
    const detail = [errors ? `${errors} error${errors > 1 ? 's' : ''}` : '', warnings ? `${warnings} warning${warnings > 1 ? 's' : ''}` : '', stage.status === 'skipped' ? 'skipped' : '']
      .filter(Boolean)
      .join(', ');
    io.stdout(`${MARK[stage.status]} ${stage.stage.padEnd(14)}${detail}\n`);
  }
  // Every stage's issues in stage order, capped: a file of random bytes must not answer with more than it holds.
  for (const line of formatIssues(report.stages.flatMap((s) => s.issues))) io.stderr(`${line}\n`);
  io.stdout(report.ok ? `${path}: valid\n` : `${path}: invalid\n`);
  return report.ok ? 0 : 2;
}

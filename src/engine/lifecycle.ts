import { formatIssue, type ConfigIssue, type PathSegment } from '../config/errors.js';
import type { ConfigSource } from '../config/source.js';
import { LumenError } from '../errors/lumen-error.js';
import type { Logger } from '../telemetry/logger.js';

/** One thing to start or stop: where it is in the configuration (['exporters', 'prometheus']) and how. */
export type Task = readonly [path: readonly PathSegment[], run: () => Promise<void>];

/** A component failed to start; the engine stopped what had started. `issues` are the start-stage problems. */
export class StartError extends LumenError {
  override readonly name = 'StartError';
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[] | string) {
    const list = typeof issues === 'string' ? [] : issues;
    super('LUMEN_START_FAILED', typeof issues === 'string' ? issues : list.map(formatIssue).join('\n'));
    this.issues = list;
  }
}

/**
 * The start-stage issue for a failure: said once, at the most precise place known. A LumenError carrying a
 * path inside its component's config (a prometheus exporter's ['endpoint']) is placed at that value.
 */
export function startIssue(component: readonly PathSegment[], reason: unknown, source: ConfigSource | undefined): ConfigIssue {
  const inner = reason instanceof LumenError && reason.path ? reason.path : [];
  const path = [...component, ...inner];
  const message = `cannot start: ${(reason as Error)?.message ?? String(reason)}`;
  return { severity: 'error', stage: 'start', file: source?.file ?? '', position: source?.position(path, inner.length ? 'value' : 'key'), path, message };
}

/** Starts in parallel; when any fails, throws one StartError with an issue per failed component. */
export async function startAll(tasks: readonly Task[], source: ConfigSource | undefined): Promise<void> {
  const results = await Promise.allSettled(tasks.map(([, run]) => run()));
  const issues = results.flatMap((r, i) => (r.status === 'rejected' ? [startIssue(tasks[i]![0], r.reason, source)] : []));
  if (issues.length) throw new StartError(issues);
}

/** Runs every task (in parallel) to the end; failures are logged, never thrown (stopping must finish). */
export async function settleAll(what: string, tasks: readonly (readonly [id: string, run: () => Promise<void>])[], log: Logger): Promise<void> {
  const results = await Promise.allSettled(tasks.map(([, run]) => run()));
  results.forEach((r, i) => {
    if (r.status === 'rejected') log.error(`${what} failed`, { component: tasks[i]![0], err: String((r.reason as Error)?.message ?? r.reason) });
  });
}

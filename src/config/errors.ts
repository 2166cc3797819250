/** Where a config value came from: 1-based line and column in the file. */
export interface Position {
  readonly line: number;
  readonly col: number;
}

import { LumenError } from '../errors/lumen-error.js';

/** Where a problem was found: reading the file, its schema, the pipeline graph, building components, starting them. */
export type Stage = 'parse' | 'schema' | 'graph' | 'construction' | 'start';
export type PathSegment = string | number;

/** One problem found in a configuration: an error (the config is refused) or a warning. */
export interface ConfigIssue {
  readonly severity: 'error' | 'warning';
  readonly stage: Stage;
  /** The file name as given (e.g. "pipelines.yaml"); '' for a config passed as an object. */
  readonly file: string;
  readonly position?: Position;
  /** Segments from the root, e.g. ['exporters', 'prometheus', 'endpoint']. */
  readonly path: readonly PathSegment[];
  /** `<what is wrong>, <what is allowed>`, e.g. `must be host:port, got "9400"`. */
  readonly message: string;
}

/** `exporters.prometheus.endpoint`, `service.pipelines.traces.exporters[1]`. */
export function dottedPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

/**
 * The one error line format: `<file>:<line>:<col> <dotted.path>: <message>`
 * (e.g. `pipelines.yaml:7:5 exporters.prometheus.endpoint: must be host:port, got "9400"`).
 * Warnings put `warning: ` before the message. Parts that are unknown are left out.
 */
export function formatIssue(issue: ConfigIssue): string {
  const where = issue.file ? (issue.position ? `${issue.file}:${issue.position.line}:${issue.position.col}` : issue.file) : '';
  const path = dottedPath(issue.path);
  const message = issue.severity === 'warning' ? `warning: ${issue.message}` : issue.message;
  if (!path && where && !issue.position) return `${where}: ${message}`;
  return [where, path ? `${path}:` : '', message].filter((s) => s !== '').join(' ');
}

export function compareIssues(a: ConfigIssue, b: ConfigIssue): number {
  const la = a.position?.line ?? Number.MAX_SAFE_INTEGER;
  const lb = b.position?.line ?? Number.MAX_SAFE_INTEGER;
  if (la !== lb) return la - lb;
  return (a.position?.col ?? 0) - (b.position?.col ?? 0);
}

/** Thrown when a configuration is refused. `message` holds every error line, in file order. */
export class ConfigError extends LumenError {
  override readonly name = 'ConfigError';
  readonly issues: readonly ConfigIssue[];
  readonly stage: Stage;

  constructor(stage: Stage, issues: readonly ConfigIssue[]) {
    const errors = issues.filter((i) => i.severity === 'error');
    super('LUMEN_CONFIG_INVALID', errors.map(formatIssue).join('\n') || 'invalid configuration');
    this.stage = stage;
    this.issues = issues;
  }

  /** The error lines (no warnings), as the CLI prints them. */
  get lines(): string[] {
    return this.issues.filter((i) => i.severity === 'error').map(formatIssue);
  }
}

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

/** `exporters.prometheus.endpoint`, `service.pipelines.traces.exporters[1]`. Keys are echoed escaped and capped. */
export function dottedPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? echo(seg, MAX_KEY_ECHO) : `.${echo(seg, MAX_KEY_ECHO)}`;
  }
  return out;
}

/** Longest key, and longest whole message, echoed back to the terminal (issue #11.8: 100 KB in, 209 KB out). */
export const MAX_KEY_ECHO = 64;
export const MAX_MESSAGE_ECHO = 400;
/** Errors printed at most; the rest are counted in one closing line. */
export const MAX_PRINTED_ISSUES = 20;

// C0 and C1 control characters, DEL, and the Unicode line/paragraph separators and bidi overrides.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text from the configuration as it may reach a terminal: control characters escaped (`\x1b`, `\u202e`), so a
 * key cannot move the cursor or recolour the screen, and cut to `max` characters saying how much was left out.
 */
export function echo(text: string, max: number): string {
  const escaped = text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
  if (escaped.length <= max) return escaped;
  return `${escaped.slice(0, max)}…(${escaped.length - max} more characters)`;
}

/**
 * The one error line format: `<file>:<line>:<col> <dotted.path>: <message>`
 * (e.g. `pipelines.yaml:7:5 exporters.prometheus.endpoint: must be host:port, got "9400"`).
 * Warnings put `warning: ` before the message. Parts that are unknown are left out.
 */
export function formatIssue(issue: ConfigIssue): string {
  const where = issue.file ? (issue.position ? `${issue.file}:${issue.position.line}:${issue.position.col}` : issue.file) : '';
  const path = dottedPath(issue.path);
  const text = echo(issue.message, MAX_MESSAGE_ECHO);
  const message = issue.severity === 'warning' ? `warning: ${text}` : text;
  if (!path && where && !issue.position) return `${where}: ${message}`;
  return [where, path ? `${path}:` : '', message].filter((s) => s !== '').join(' ');
}

/** Issues as lines, the first `max` of them, then `… and N more errors` (a huge bad file must not flood the terminal). */
export function formatIssues(issues: readonly ConfigIssue[], max = MAX_PRINTED_ISSUES): string[] {
  const lines = issues.slice(0, max).map(formatIssue);
  const rest = issues.length - lines.length;
  if (rest > 0) lines.push(`… and ${rest} more ${rest === 1 ? 'issue' : 'issues'} (fix the ones above first)`);
  return lines;
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
    super('LUMEN_CONFIG_INVALID', formatIssues(errors).join('\n') || 'invalid configuration');
    this.stage = stage;
    this.issues = issues;
  }

  /** The error lines (no warnings), as the CLI prints them: at most MAX_PRINTED_ISSUES, then how many more. */
  get lines(): string[] {
    return formatIssues(this.issues.filter((i) => i.severity === 'error'));
  }
}

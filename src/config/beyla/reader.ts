import type { ConfigIssue, PathSegment, Position } from '../errors.js';
import { isPlainObject } from '../freeze.js';

/** Where a Beyla value comes from: a path in the file, or an environment variable. */
export type Origin = { readonly path: readonly PathSegment[] } | { readonly env: string };

/**
 * Read access to a Beyla/OBI document (the file's values, env overlay applied) that collects the translation's
 * warnings, one per path, positioned at the key in the file or naming the environment variable.
 */
export class BeylaReader {
  readonly issues: ConfigIssue[] = [];
  private readonly warned = new Set<string>();

  constructor(
    readonly root: Record<string, unknown>,
    readonly file: string,
    /** Where each path is written in the file (undefined for values the environment set). */
    private readonly positionOf: (path: readonly PathSegment[], prefer: 'key' | 'value') => Position | undefined,
    /** Paths whose value came from an environment variable (the variable's name). */
    readonly envOrigins: ReadonlyMap<string, string>,
  ) {}

  /** The value at `path` (undefined when absent); marks it used. */
  get(path: readonly PathSegment[]): unknown {
    return valueAt(this.root, path);
  }

  has(path: readonly PathSegment[]): boolean {
    return valueAt(this.root, path) !== undefined;
  }

  /** A mapping at `path`, or undefined when absent or not a mapping (the latter warned). */
  section(path: readonly PathSegment[]): Record<string, unknown> | undefined {
    const v = valueAt(this.root, path);
    if (v === undefined || v === null) return undefined;
    if (!isPlainObject(v)) {
      this.silence(path);
      this.warn(path, `must be a mapping, got ${JSON.stringify(v)}; ignored`);
      return undefined;
    }
    return v;
  }

  /** Paths already answered as a whole (e.g. an entry left out): nothing inside is warned about again. */
  private readonly silenced = new Set<string>();

  silence(path: readonly PathSegment[]): void {
    this.silenced.add(key(path));
  }

  isSilenced(path: readonly PathSegment[]): boolean {
    for (let n = path.length; n > 0; n--) if (this.silenced.has(key(path.slice(0, n)))) return true;
    return false;
  }

  /** One warning per path, positioned at the key (`file:line:col path: warning: …`), or naming the env var. */
  warn(path: readonly PathSegment[], message: string): void {
    const k = key(path);
    if (this.warned.has(k)) return;
    this.warned.add(k);
    const position = this.positionOf(path, 'key');
    // A section the file does not have was made by a variable (BEYLA_INTERNAL_METRICS_PROMETHEUS_PORT → internal_metrics).
    const env = this.envVar(path) ?? (position ? undefined : this.envBelow(path));
    if (env) {
      this.issues.push({ severity: 'warning', stage: 'parse', file: '', path: [env], message });
      return;
    }
    this.issues.push({ severity: 'warning', stage: 'parse', file: this.file, position, path: [...path], message });
  }

  private envBelow(path: readonly PathSegment[]): string | undefined {
    const prefix = `${key(path)}\u0000`;
    for (const [k, name] of this.envOrigins) if (k.startsWith(prefix)) return name;
    return undefined;
  }

  /** The environment variable that set `path` or one of its ancestors, if any. */
  envVar(path: readonly PathSegment[]): string | undefined {
    for (let n = path.length; n > 0; n--) {
      const e = this.envOrigins.get(key(path.slice(0, n)));
      if (e) return e;
    }
    return undefined;
  }

  origin(path: readonly PathSegment[]): Origin {
    const env = this.envVar(path);
    return env ? { env } : { path };
  }
}

export function key(path: readonly PathSegment[]): string {
  return path.map(String).join('\u0000');
}

export function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let v: unknown = root;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[seg as string];
  }
  return v;
}

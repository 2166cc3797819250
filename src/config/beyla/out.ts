import type { PathSegment } from '../errors.js';
import { isPlainObject } from '../freeze.js';
import { key, type Origin } from './reader.js';

/** The Lumen document being written, with the Beyla origin of each value (for positions in later errors). */
export class LumenOut {
  readonly doc: Record<string, unknown> = {};
  private readonly origins = new Map<string, Origin>();

  set(path: readonly PathSegment[], value: unknown, origin?: Origin): void {
    let o: Record<string, unknown> | unknown[] = this.doc;
    for (let i = 0; i < path.length - 1; i++) {
      const seg = path[i]!;
      const cur = (o as Record<string, unknown>)[seg as string];
      if (cur === undefined || cur === null) (o as Record<string, unknown>)[seg as string] = typeof path[i + 1] === 'number' ? [] : {};
      o = (o as Record<string, unknown>)[seg as string] as Record<string, unknown>;
    }
    (o as Record<string, unknown>)[path[path.length - 1] as string] = value;
    if (origin) this.origins.set(key(path), origin);
  }

  get(path: readonly PathSegment[]): unknown {
    let v: unknown = this.doc;
    for (const seg of path) v = isPlainObject(v) || Array.isArray(v) ? (v as Record<string, unknown>)[seg as string] : undefined;
    return v;
  }

  /** The Beyla origin of a Lumen path: its own, or its nearest ancestor's with the rest of the path appended. */
  originOf(path: readonly PathSegment[]): Origin | undefined {
    for (let n = path.length; n > 0; n--) {
      const o = this.origins.get(key(path.slice(0, n)));
      if (!o) continue;
      return 'env' in o ? o : { path: [...o.path, ...path.slice(n)] };
    }
    return undefined;
  }
}

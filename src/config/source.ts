import { Document, LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, parse as parseYaml, type Node } from 'yaml';
import { expandEnv, EnvError, type Env } from './env.js';
import type { ConfigIssue, PathSegment, Position } from './errors.js';
import { MAX_ALIAS_COUNT, MAX_DEPTH, firstAlias, isPrototypeKey, tooDeep } from './hostile.js';

interface Located {
  key?: Position;
  value?: Position;
  /** The value is absent (`key:` with nothing after it). */
  empty?: boolean;
}

/**
 * A configuration document with the position of every key and value, so that any path an error names maps back
 * to file:line:col. Values are `${VAR}`-expanded in place (keys are not).
 */
export class ConfigSource {
  private readonly located = new Map<string, Located>();
  /** The text of values that `${VAR}` expansion changed, as written (to print a document back with its references). */
  private readonly written = new Map<string, string>();
  /** The expanded plain-JS value (null for an empty file). */
  value: unknown = null;
  readonly issues: ConfigIssue[] = [];
  private hasPositions = false;

  private constructor(readonly file: string) {}

  /** Parses YAML text. Syntax errors and env expansion errors land in `issues` (stage 'parse'). */
  static fromYaml(text: string, file: string, env: Env): ConfigSource {
    const src = new ConfigSource(file);
    const lc = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true, merge: true, uniqueKeys: true });
    const deep = tooDeep(doc.contents);
    if (deep) {
      const p = deep.range ? lc.linePos(deep.range[0]) : { line: 1, col: 1 };
      src.issues.push({ severity: 'error', stage: 'parse', file, position: p, path: [], message: `nesting deeper than ${MAX_DEPTH} levels, flatten the document (no Lumen option nests that deep)` });
      return src;
    }
    const duplicates = doc.errors.some((e) => e.code === 'DUPLICATE_KEY') ? duplicateKeys(doc.contents) : [];
    for (const e of doc.errors) {
      if (e.code === 'DUPLICATE_KEY') continue;
      const p = e.linePos?.[0] ?? lc.linePos(e.pos[0]);
      src.issues.push({ severity: 'error', stage: 'parse', file, position: { line: p.line, col: p.col }, path: [], message: `invalid YAML: ${parserMessage(e.message)}` });
    }
    for (const d of duplicates) {
      const p = lc.linePos(d.offset);
      src.issues.push({ severity: 'error', stage: 'parse', file, position: { line: p.line, col: p.col }, path: d.path, message: `duplicate key ${JSON.stringify(d.key)}, each key may appear once in a mapping` });
    }
    if (src.issues.length) return src;
    src.hasPositions = true;
    src.walk(doc.contents, [], env, (n) => (n.range ? lc.linePos(n.range[0]) : undefined));
    if (src.issues.length) return src;
    try {
      src.value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? null;
    } catch (e) {
      // The yaml library refuses alias expansion beyond maxAliasCount (billion laughs, `<<` merge chains).
      const at = firstAlias(doc.contents);
      const p = at?.range ? lc.linePos(at.range[0]) : { line: 1, col: 1 };
      const why = e instanceof ReferenceError ? `aliases expand to too many values (more than ${MAX_ALIAS_COUNT}), write the values out instead of nesting aliases` : `cannot be read: ${firstLine((e as Error).message)}`;
      src.issues.push({ severity: 'error', stage: 'parse', file, position: p, path: [], message: why });
    }
    return src;
  }

  /** A config given as a plain object (library API): no positions, same expansion. */
  static fromObject(obj: unknown, file = ''): ConfigSource {
    return ConfigSource.fromObjectWithEnv(obj, file, process.env);
  }

  static fromObjectWithEnv(obj: unknown, file: string, env: Env): ConfigSource {
    const src = new ConfigSource(file);
    let doc: Document;
    try {
      doc = new Document(obj);
    } catch (e) {
      // Cycles and values YAML cannot represent (a library caller's mistake, never a file's).
      src.issues.push({ severity: 'error', stage: 'parse', file, path: [], message: `the configuration object cannot be read: ${firstLine((e as Error).message)}` });
      return src;
    }
    const deep = tooDeep(doc.contents as Node | null);
    if (deep) {
      src.issues.push({ severity: 'error', stage: 'parse', file, path: [], message: `nesting deeper than ${MAX_DEPTH} levels, flatten the configuration` });
      return src;
    }
    src.walk(doc.contents as Node | null, [], env, () => undefined);
    if (src.issues.length) return src;
    src.value = doc.toJS() ?? null;
    return src;
  }

  /**
   * A document made from another one (a Beyla/OBI file translated into pipelines): no expansion (its values are
   * expanded already), and each path placed where `positionOf` says its origin is written.
   */
  static fromTranslation(obj: unknown, file: string, positionOf: (path: readonly PathSegment[], prefer: 'key' | 'value') => Position | undefined): ConfigSource {
    const src = new ConfigSource(file);
    src.hasPositions = true;
    src.walk(new Document(obj).contents as Node | null, [], null, (_n, path) => positionOf(path, 'value'), (path) => positionOf(path, 'key'));
    src.value = clonePlainValue(obj);
    return src;
  }

  /** The value at `path` as written before `${VAR}` expansion, when expansion changed it. */
  writtenText(path: readonly PathSegment[]): string | undefined {
    return this.written.get(key(path));
  }

  /** Where the value at `path` is written; for a missing or empty value, its key; else the nearest ancestor. */
  position(path: readonly PathSegment[], prefer: 'value' | 'key' = 'value'): Position | undefined {
    for (let n = path.length; n > 0; n--) {
      const loc = this.located.get(key(path.slice(0, n)));
      if (!loc) continue;
      if (prefer === 'key' && n === path.length) return loc.key ?? loc.value;
      return (loc.empty ? loc.key : loc.value) ?? loc.key;
    }
    return this.hasPositions ? { line: 1, col: 1 } : undefined;
  }

  /** True when the path is written in the document (not filled in from defaults). */
  has(path: readonly PathSegment[]): boolean {
    return this.located.has(key(path));
  }

  private walk(
    node: Node | null | undefined, path: PathSegment[], env: Env | null,
    pos: (n: Node, path: PathSegment[]) => Position | undefined, keyPos?: (path: PathSegment[]) => Position | undefined,
  ): void {
    if (!node) return;
    const here = this.located.get(key(path)) ?? {};
    if (path.length) this.located.set(key(path), here);
    if (isMap(node)) {
      here.value ??= pos(node, path);
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const k = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const child: PathSegment[] = [...path, k];
        const loc: Located = { key: keyPos ? keyPos(child) : pair.key && isScalar(pair.key) ? pos(pair.key, child) : undefined };
        if (isPrototypeKey(k)) {
          // Never let such a key reach a plain object: it would reach Object.prototype through merges.
          this.issues.push({ severity: 'error', stage: 'parse', file: this.file, position: loc.key ?? here.value, path: child, message: `key ${JSON.stringify(k)} is not allowed (it names a JavaScript object prototype), remove it` });
          continue;
        }
        const v = pair.value as Node | null;
        if (v == null || (isScalar(v) && v.value === null && (v.range?.[0] ?? 0) === (v.range?.[1] ?? 0))) loc.empty = true;
        this.located.set(key(child), loc);
        this.walk(v, child, env, pos, keyPos);
      }
    } else if (isSeq(node)) {
      here.value ??= pos(node, path);
      node.items.forEach((item, i) => this.walk(item as Node, [...path, i], env, pos, keyPos));
    } else if (isScalar(node)) {
      here.value ??= pos(node, path);
      if (typeof node.value === 'string' && env) this.expand(node, path, env, here.value);
    }
  }

  private expand(node: { value: unknown; type?: string | undefined }, path: PathSegment[], env: Env, at: Position | undefined): void {
    try {
      const { value, whole } = expandEnv(node.value as string, env);
      if (value !== node.value) this.written.set(key(path), node.value as string);
      if (whole && (node.type === 'PLAIN' || node.type === undefined) && value.trim() !== '') {
        const typed: unknown = safeScalar(value);
        node.value = typed;
      } else {
        node.value = value;
      }
    } catch (e) {
      if (!(e instanceof EnvError)) throw e;
      this.issues.push({ severity: 'error', stage: 'parse', file: this.file, position: at, path: [...path], message: e.message });
    }
  }
}

function clonePlainValue(v: unknown): unknown {
  return v === undefined ? null : (JSON.parse(JSON.stringify(v)) as unknown);
}

/** Repeated keys of every mapping (the parser reports them without a usable position): the second occurrence of each. */
function duplicateKeys(root: Node | null | undefined): { key: string; path: PathSegment[]; offset: number }[] {
  const out: { key: string; path: PathSegment[]; offset: number }[] = [];
  const walk = (node: unknown, path: PathSegment[]): void => {
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const k = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        if (seen.has(k)) out.push({ key: k, path: [...path, k], offset: (pair.key as Node).range?.[0] ?? 0 });
        seen.add(k);
        walk(pair.value, [...path, k]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...path, i]));
    }
  };
  walk(root, []);
  return out;
}

/** A `${VAR}` standing alone as a plain scalar takes the YAML type of its value (9400 → number, true → boolean). */
function safeScalar(text: string): unknown {
  try {
    const v: unknown = parseYaml(text);
    return v === null || typeof v === 'object' ? text : v;
  } catch {
    return text;
  }
}

function key(path: readonly PathSegment[]): string {
  return path.map(String).join('\u0000');
}

/** The parser's message; its own stack overflow on deep flow nesting becomes what to do about it. */
function parserMessage(message: string): string {
  if (/call stack/i.test(message)) return `nesting too deep to parse, flatten the document (at most ${MAX_DEPTH} levels)`;
  // The parser quotes the offending token whole (a line of binary can be kilobytes): keep its start.
  return firstLine(message).replace(/: "(.{60})[\s\S]+"$/, ': "$1…"');
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

import type { ErrorObject } from 'ajv';
import type { PathSegment } from './errors.js';
import { FORMAT_HINTS, formatProblem } from './formats.js';

/** One schema violation, in Lumen's words: where (path from the validated value) and `<wrong>, <allowed>`. */
export interface SchemaProblem {
  readonly path: PathSegment[];
  /** Point at the key (unknown keys) or at the value. */
  readonly at: 'value' | 'key';
  readonly message: string;
}

/**
 * Turns ajv errors (validated with allErrors + verbose) into one message per problem. anyOf/oneOf failures report
 * the branch whose type fits the value (e.g. the format error of the string alternative), or list the alternatives.
 */
export function describeAjvErrors(errors: readonly ErrorObject[], data: unknown): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  const consumed = new Set<ErrorObject>();
  const combos = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf').sort((a, b) => a.schemaPath.length - b.schemaPath.length);
  for (const c of combos) {
    if (consumed.has(c)) continue;
    consumed.add(c);
    const prefix = `${c.schemaPath}/`;
    const children = errors.filter((e) => e !== c && e.schemaPath.startsWith(prefix));
    for (const e of children) consumed.add(e);
    out.push(...describeCombo(c, children, prefix, data));
  }
  for (const e of errors) {
    if (consumed.has(e) || e.keyword === 'if') continue;
    out.push(describeOne(e, data));
  }
  return dedupe(out);
}

function describeCombo(c: ErrorObject, children: ErrorObject[], prefix: string, data: unknown): SchemaProblem[] {
  const path = toPath(c.instancePath, data);
  if (c.keyword === 'oneOf' && Array.isArray(c.params['passingSchemas'])) {
    return [{ path, at: 'value', message: 'matches more than one of the allowed forms, make it match exactly one' }];
  }
  const branches = new Map<string, ErrorObject[]>();
  for (const e of children) {
    const idx = e.schemaPath.slice(prefix.length).split('/')[0]!;
    branches.set(idx, [...(branches.get(idx) ?? []), e]);
  }
  const alts = Array.isArray(c.schema) ? (c.schema as Record<string, unknown>[]) : [];
  const all = [...branches.values()];
  if (all.length > 0 && all.every((b) => b.every((e) => e.keyword === 'required' && e.instancePath === c.instancePath))) {
    const names = all.flatMap((b) => b.map((e) => String(e.params['missingProperty'])));
    return [{ path, at: 'value', message: `must set at least one of: ${[...new Set(names)].join(', ')}` }];
  }
  const fits = [...branches.entries()].filter(([, b]) => !b.some((e) => e.instancePath === c.instancePath && ['type', 'const', 'enum'].includes(e.keyword)));
  if (fits.length > 0) return describeAjvErrors(fits[0]![1], data);
  const allowed = alts.map(describeSchema).filter((s) => s !== '');
  const what = allowed.length ? [...new Set(allowed)].join(' or ') : 'one of the allowed forms';
  return [{ path, at: 'value', message: `must be ${what}, got ${show(c.data)}` }];
}

function describeOne(e: ErrorObject, data: unknown): SchemaProblem {
  const path = toPath(e.instancePath, data);
  const p = e.params as Record<string, unknown>;
  const got = show(e.data);
  const value = (message: string): SchemaProblem => ({ path, at: 'value', message });
  switch (e.keyword) {
    case 'type': {
      const f = e.parentSchema?.['format'];
      const allowed = typeof f === 'string' && FORMAT_HINTS[f] ? FORMAT_HINTS[f] : typeNames(p['type']);
      return value(`must be ${allowed}, got ${got}`);
    }
    case 'required':
      return { path: [...path, String(p['missingProperty'])], at: 'value', message: 'is required' };
    case 'additionalProperties': {
      const key = String(p['additionalProperty']);
      const allowed = Object.keys((e.parentSchema?.['properties'] as object | undefined) ?? {});
      const hint = suggest(key, allowed);
      return {
        path: [...path, key],
        at: 'key',
        message: `unknown key${hint ? ` (did you mean "${hint}"?)` : ''}, allowed: ${allowed.length ? allowed.join(', ') : 'none'}`,
      };
    }
    case 'enum':
      return value(`must be one of ${(p['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, got ${got}`);
    case 'const':
      return value(`must be ${JSON.stringify(p['allowedValue'])}, got ${got}`);
    case 'format': {
      const f = String(p['format']);
      return value(formatProblem(f, e.data) ?? `must be ${FORMAT_HINTS[f] ?? `a valid ${f}`}, got ${got}`);
    }
    case 'pattern':
      return value(`must match /${String(p['pattern'])}/, got ${got}`);
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return value(`must be ${String(p['comparison'])} ${String(p['limit'])}, got ${got}`);
    case 'multipleOf':
      return value(`must be a multiple of ${String(p['multipleOf'])}, got ${got}`);
    case 'minLength':
      return value(p['limit'] === 1 ? 'must not be empty' : `must be at least ${String(p['limit'])} characters long, got ${got}`);
    case 'maxLength':
      return value(`must be at most ${String(p['limit'])} characters long, got ${got}`);
    case 'minItems':
      return value(p['limit'] === 1 ? 'must not be empty, list at least one item' : `must have at least ${String(p['limit'])} items, got ${(e.data as unknown[]).length}`);
    case 'maxItems':
      return value(`must have at most ${String(p['limit'])} items, got ${(e.data as unknown[]).length}`);
    case 'uniqueItems':
      return value(`must not contain duplicates, items ${String(p['j'])} and ${String(p['i'])} are equal`);
    case 'minProperties':
      return value(p['limit'] === 1 ? 'must not be empty' : `must have at least ${String(p['limit'])} keys`);
    case 'maxProperties':
      return value(`must have at most ${String(p['limit'])} keys`);
    case 'dependentRequired':
    case 'dependencies':
      return { path: [...path, String(p['missingProperty'])], at: 'value', message: `is required when ${String(p['property'])} is set` };
    case 'propertyNames':
      return { path: [...path, String(p['propertyName'])], at: 'key', message: 'is not an allowed key name' };
    case 'not':
      return value(`must not be ${describeSchema(e.schema as Record<string, unknown>) || JSON.stringify(e.schema)}`);
    default:
      return value(`${e.message ?? 'is invalid'}${e.data !== undefined ? `, got ${got}` : ''}`);
  }
}

/** A value as messages quote it: strings in JSON quotes, numbers bare, objects and lists named. */
export function show(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return JSON.stringify(v.length > MAX_VALUE_ECHO ? v.slice(0, MAX_VALUE_ECHO) : v) + (v.length > MAX_VALUE_ECHO ? `…(${v.length - MAX_VALUE_ECHO} more characters)` : '');
  return String(v);
}

/** Longest string value quoted back in a message (a 100 KB value must not come back whole). */
const MAX_VALUE_ECHO = 80;

const TYPE_NAMES: Record<string, string> = {
  string: 'a string', integer: 'an integer', number: 'a number', boolean: 'true or false',
  object: 'a mapping', array: 'a list', null: 'empty',
};

function typeNames(t: unknown): string {
  const list = (Array.isArray(t) ? t : String(t).split(',')) as string[];
  return list.map((x) => TYPE_NAMES[x] ?? x).join(' or ');
}

function describeSchema(s: Record<string, unknown> | undefined): string {
  if (!s || typeof s !== 'object') return '';
  if ('const' in s) return JSON.stringify(s['const']);
  if (Array.isArray(s['enum'])) return `one of ${(s['enum'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  if (typeof s['format'] === 'string' && FORMAT_HINTS[s['format']]) return FORMAT_HINTS[s['format']]!;
  if (s['type'] !== undefined) {
    const base = typeNames(s['type']);
    if (s['type'] === 'integer' && typeof s['minimum'] === 'number' && typeof s['maximum'] === 'number') {
      return `${base} ${String(s['minimum'])}-${String(s['maximum'])}`;
    }
    return base;
  }
  return '';
}

function toPath(pointer: string, data: unknown): PathSegment[] {
  if (pointer === '') return [];
  const out: PathSegment[] = [];
  let cur: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) {
      out.push(Number(seg));
      cur = cur[Number(seg)];
    } else {
      out.push(seg);
      cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[seg] : undefined;
    }
  }
  return out;
}

/** The closest allowed name within edit distance 2 (typos like "endpiont"), if any. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

function dedupe(list: SchemaProblem[]): SchemaProblem[] {
  const seen = new Set<string>();
  return list.filter((p) => {
    const k = `${p.path.join('.')}|${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

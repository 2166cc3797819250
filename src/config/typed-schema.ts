import type { JsonSchema } from '../component/contract.js';
import { parseDuration } from './duration.js';
import { splitHostPort } from './formats.js';
import { parsePortRanges, type PortRange } from './port-ranges.js';

/**
 * One declaration per component config (issue #17.3): a field builds its JSON schema (validation, defaults, docs),
 * its TypeScript type, and how its validated YAML value is decoded (durations → ms, host:port → {host, port},
 * port ranges → ranges). `Infer<typeof field>` is the type create() receives; `defaultsOf(field)` the defaults.
 */
export interface Field<T, Optional extends boolean = boolean> {
  readonly schema: JsonSchema;
  /** Turns the validated YAML value into T; absent when the value is T already (and nothing below decodes). */
  readonly decode?: (raw: unknown) => T;
  /** No default and not required: the key may be absent from the decoded config. */
  readonly optional: Optional;
  /** Phantom: carries T for Infer. */
  readonly __type?: T;
}

export type Infer<F> = F extends Field<infer T, boolean> ? T : never;

type Shape = Record<string, Field<unknown, boolean>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
export type ObjectOf<S extends Shape> = Simplify<
  { -readonly [K in keyof S as S[K] extends Field<unknown, false> ? K : never]: Infer<S[K]> } &
  { -readonly [K in keyof S as S[K] extends Field<unknown, false> ? never : K]?: Infer<S[K]> }
>;

/** Options every field takes: `default` makes it always present; `description` goes to the docs. */
interface Common<Raw> {
  readonly description?: string;
  readonly default?: Raw;
}

type Opt<O> = O extends { default: unknown } ? false : true;

function field<T, O extends boolean>(schema: JsonSchema, optional: O, decode?: (raw: unknown) => T): Field<T, O> {
  return { schema, optional, ...(decode ? { decode } : {}) };
}

function clean(o: object): JsonSchema {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

interface StringOptions extends Common<string> {
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly format?: string;
}

export function string<O extends StringOptions>(o?: O): Field<string, Opt<O>> {
  return field(clean({ type: 'string', ...o }), (o?.default === undefined) as Opt<O>);
}

export function enumOf<const V extends readonly (string | number)[], O extends Common<V[number]>>(values: V, o?: O): Field<V[number], Opt<O>> {
  return field(clean({ enum: [...values], ...o }), (o?.default === undefined) as Opt<O>);
}

interface NumberOptions extends Common<number> {
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly enum?: readonly number[];
}

export function integer<O extends NumberOptions>(o?: O): Field<number, Opt<O>> {
  return field(clean({ type: 'integer', ...o, enum: o?.enum ? [...o.enum] : undefined }), (o?.default === undefined) as Opt<O>);
}

export function number<O extends NumberOptions>(o?: O): Field<number, Opt<O>> {
  return field(clean({ type: 'number', ...o }), (o?.default === undefined) as Opt<O>);
}

export function boolean<O extends Common<boolean>>(o?: O): Field<boolean, Opt<O>> {
  return field(clean({ type: 'boolean', ...o }), (o?.default === undefined) as Opt<O>);
}

interface ArrayOptions<Raw> extends Common<Raw[]> {
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly uniqueItems?: boolean;
}

export function array<T, O extends ArrayOptions<unknown>>(item: Field<T>, o?: O): Field<T[], Opt<O>> {
  const d = item.decode;
  return field(clean({ type: 'array', items: item.schema, ...o }), (o?.default === undefined) as Opt<O>, d ? (raw) => (raw as unknown[]).map(d) : undefined);
}

/** A mapping of free keys to one kind of value (`additionalProperties`). */
export function record<T, O extends Common<Record<string, unknown>> & { minProperties?: number }>(value: Field<T>, o?: O): Field<Record<string, T>, Opt<O>> {
  const d = value.decode;
  return field(clean({ type: 'object', additionalProperties: value.schema, ...o }), (o?.default === undefined) as Opt<O>, d ? (raw) => mapValues(raw, d) : undefined);
}

/** A mapping of free keys to `rest`, where some keys take their own field instead (e.g. a `duration` key). */
export function mapping<const S extends Shape, T, O extends { minProperties?: number; description?: string }>(
  known: S, rest: Field<T>, o?: O,
): Field<{ [K in keyof S]?: Infer<S[K]> } & Record<string, T>, true> {
  const schema = clean({ type: 'object', properties: mapValues(known, (f) => (f as Field<unknown>).schema), additionalProperties: rest.schema, ...o });
  const decode = (raw: unknown) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
      const f = (Object.hasOwn(known, k) ? known[k] : rest) as Field<unknown>;
      out[k] = f.decode ? f.decode(v) : v;
    }
    return out;
  };
  return field(schema, true, decode as never);
}

interface ObjectOptions<S> {
  readonly description?: string;
  readonly required?: readonly (keyof S & string)[];
  readonly minProperties?: number;
  /** Extra JSON schema keywords (e.g. an `anyOf` of `required` lists). */
  readonly extra?: JsonSchema;
}

/** Keys of a shape whose fields are always present (they have a default). */
type Defaulted<S extends Shape> = { [K in keyof S]: S[K] extends Field<unknown, false> ? K : never }[keyof S];

/**
 * A mapping with known keys (unknown keys refused). When a key inside has a default and none is required, it
 * defaults to `{}` so those defaults apply when it is absent (and it is always present); otherwise it is optional.
 * A required key without default is typed as present.
 */
export function object<const S extends Shape, const R extends readonly (keyof S & string)[] = []>(
  shape: S, o?: ObjectOptions<S> & { readonly required?: R },
): Field<ObjectOf<{ [K in keyof S]: K extends R[number] ? Field<Infer<S[K]>, false> : S[K] }>, R extends [] ? ([Defaulted<S>] extends [never] ? true : false) : true> {
  const properties = mapValues(shape, (f) => (f as Field<unknown>).schema);
  const required = o?.required?.length ? [...o.required] : undefined;
  const defaulted = !required && Object.values(shape).some((f) => !f.optional);
  const schema = clean({
    type: 'object', additionalProperties: false, properties, required, minProperties: o?.minProperties,
    description: o?.description, default: defaulted ? {} : undefined, ...o?.extra,
  });
  const decoders = Object.entries(shape).filter(([, f]) => f.decode) as [string, Field<unknown>][];
  const decode = decoders.length === 0 ? undefined : (raw: unknown) => {
    const out = { ...(raw as Record<string, unknown>) };
    for (const [k, f] of decoders) if (out[k] !== undefined) out[k] = f.decode!(out[k]);
    return out;
  };
  return field(schema, !defaulted as never, decode as never) as never;
}

/** `anyOf` of fields told apart by the JS type of the value (number vs string …); each decodes its own. */
export function oneOfTypes<const B extends readonly Field<unknown>[], O extends Common<unknown>>(branches: B, o?: O): Field<Infer<B[number]>, Opt<O>> {
  type T = Infer<B[number]>;
  const schema = clean({ anyOf: branches.map((b) => b.schema), ...o });
  const decoding = branches.filter((b) => b.decode);
  const decode = decoding.length === 0 ? undefined : (raw: unknown): T => {
    for (const b of decoding) if (matchesType(b.schema, raw)) return b.decode!(raw) as T;
    return raw as T;
  };
  return field(schema, (o?.default === undefined) as Opt<O>, decode);
}

interface DurationOptions extends Common<string> {
  /** 0 is meaningless (a timeout, a period): refuse it. */
  readonly positive?: boolean;
  /** What the decoded number counts: milliseconds (default) or seconds. */
  readonly unit?: 'ms' | 's';
}

/** A Go-style duration string in the YAML ("5s", "250ms"); decoded to a number of milliseconds (or seconds). */
export function duration<O extends DurationOptions>(o?: O): Field<number, Opt<O>> {
  const { positive, unit, ...rest } = o ?? ({} as DurationOptions);
  const scale = unit === 's' ? 1000 : 1;
  return field(clean({ type: 'string', format: positive ? 'positive-duration' : 'duration', ...rest }), (o?.default === undefined) as Opt<O>,
    (raw) => parseDuration(raw as string) / scale);
}

export interface HostPort {
  /** Without IPv6 brackets. */
  readonly host: string;
  readonly port: number;
}

/** "127.0.0.1:9400", "[::1]:9400", "0.0.0.0:9400" (the host is required); decoded to {host, port}. */
export function hostPort<O extends Common<string>>(o?: O): Field<HostPort, Opt<O>> {
  return field(clean({ type: 'string', format: 'host-port', ...o }), (o?.default === undefined) as Opt<O>, (raw) => splitHostPort(raw as string));
}

/** "80,443,8000-8999" or a single port number; decoded to the ranges. */
export function portRanges<O extends Common<string | number>>(o?: O): Field<PortRange[], Opt<O>> {
  const schema = clean({ ...o, anyOf: [{ type: 'string', format: 'port-ranges' }, { type: 'integer', minimum: 1, maximum: 65535 }] });
  return field(schema, (o?.default === undefined) as Opt<O>, (raw) => parsePortRanges(raw as string | number));
}

/** An http(s) URL with a host and a valid port (kept as text: the transports take URLs as strings). */
export function httpUrl<O extends Common<string>>(o?: O): Field<string, Opt<O>> {
  return field(clean({ type: 'string', format: 'http-url', ...o }), (o?.default === undefined) as Opt<O>);
}

/** Any JSON schema fragment with an explicit type (for shapes the builders do not cover, e.g. shared schemas). */
export function raw<T, O extends boolean = true>(schema: JsonSchema, optional?: O): Field<T, O> {
  return field(schema, (optional ?? ('default' in schema ? false : true)) as O);
}

function mapValues<T>(raw: unknown, f: (v: unknown) => T): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) out[k] = f(v);
  return out;
}

function matchesType(schema: JsonSchema, v: unknown): boolean {
  const t = schema['type'];
  if (t === 'string') return typeof v === 'string';
  if (t === 'integer' || t === 'number') return typeof v === 'number';
  if (t === 'boolean') return typeof v === 'boolean';
  return false;
}

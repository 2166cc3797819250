import type { Env } from '../env.js';
import { dottedPath, type ConfigIssue, type PathSegment } from '../errors.js';
import { isPlainObject } from '../freeze.js';
import { suggest } from '../ajv-messages.js';
import { BEYLA_KEYS } from './known-keys.js';
import { ConfigSource } from '../source.js';
import { flavorOfEnv, overlayEnv, type Flavor } from './env-overlay.js';
import type { ExporterContext } from './exporters.js';
import { BeylaReader, valueAt } from './reader.js';
import { translate } from './translate.js';

export { envSelectsTargets, flavorOfEnv, ENV_SUFFIXES, STANDARD_ENV, type Flavor } from './env-overlay.js';

/** Top-level keys only a Lumen pipelines file has. */
const LUMEN_ONLY = ['service', 'receivers', 'processors', 'exporters'];

/**
 * A Beyla/OBI file: a mapping with none of Lumen's own top-level sections and at least one of Beyla's
 * (or a near miss of one, so that `otel_trace_export:` alone is answered with Beyla's key names).
 */
export function isBeylaShape(value: unknown): boolean {
  if (!isPlainObject(value) || LUMEN_ONLY.some((k) => k in value)) return false;
  const beyla = Object.keys(BEYLA_KEYS as Record<string, unknown>);
  return Object.keys(value).some((k) => beyla.includes(k) || (k.length > 5 && suggest(k, beyla) !== undefined));
}

export interface BeylaOptions {
  readonly env: Env;
  /** beyla (metric_prefix beyla) or obi; default: from the variables set (OTEL_EBPF_* only → obi), else beyla. */
  readonly flavor?: Flavor;
  readonly knows: ExporterContext['knows'];
}

export interface BeylaTranslation {
  /** The equivalent Lumen configuration, positioned at the Beyla keys it comes from. */
  readonly source: ConfigSource;
  /** The same document with `${VAR}` references kept as written (what `lumen migrate` prints). */
  readonly printable: Record<string, unknown>;
  /** Warnings (and the one error: nothing to export), positioned in the Beyla file or naming the variable. */
  readonly issues: ConfigIssue[];
  readonly flavor: Flavor;
  /** A later (schema, graph) problem with a value an environment variable set, restated as that variable's. */
  readonly relocate: (issue: ConfigIssue) => ConfigIssue;
}

/**
 * Translates a Beyla/OBI configuration (the parsed file, or null when the environment alone configures
 * Lumen) into Lumen pipelines: environment variables over the file (Beyla's precedence), then the translation.
 */
export function translateBeyla(file: ConfigSource | null, name: string, o: BeylaOptions): BeylaTranslation {
  const flavor = o.flavor ?? flavorOfEnv(o.env) ?? 'beyla';
  const fileValue = file && isPlainObject(file.value) ? file.value : {};
  const overlay = overlayEnv(fileValue, o.env);
  const located = (path: readonly PathSegment[], prefer: 'key' | 'value') => (file && file.has(path) ? file.position(path, prefer) : undefined);
  const reader = new BeylaReader(overlay.root, name, located, overlay.origins);
  const out = translate(reader, { env: o.env, prefix: flavor, knows: o.knows });
  const positionOf = (path: readonly PathSegment[], prefer: 'key' | 'value') => {
    const origin = out.originOf(path);
    return origin && 'path' in origin ? located(origin.path, prefer) : undefined;
  };
  const doc = canonicalOrder(out.doc);
  const source = ConfigSource.fromTranslation(doc, name, positionOf);
  const printable = withReferences(doc, [], (path, emitted) => {
    const origin = out.originOf(path);
    if (!origin || !('path' in origin) || !file) return undefined;
    // Only a value copied as it is (not one derived from it, like 0.0.0.0:<port>).
    return String(valueAt(fileValue, origin.path)) === String(emitted) ? file.writtenText(origin.path) : undefined;
  }) as Record<string, unknown>;
  const relocate = (issue: ConfigIssue): ConfigIssue => {
    const origin = out.originOf(issue.path);
    if (!origin || !('env' in origin)) return issue;
    return { ...issue, file: '', position: undefined, path: [origin.env], message: `${issue.message} (it sets ${dottedPath(issue.path)})` };
  };
  return { source, printable, issues: [...overlay.issues, ...reader.issues], flavor, relocate };
}

/**
 * A Lumen pipelines file with BEYLA_* / OTEL_EBPF_* variables set: they would change a Beyla/OBI configuration,
 * not this one — said once per variable, never silently ignored.
 */
export function ignoredBeylaVariables(env: Env, file: string): ConfigIssue[] {
  return Object.keys(env)
    .filter((n) => /^(BEYLA|OTEL_EBPF)_/.test(n) && !n.endsWith('_CONFIG_PATH') && (env[n] ?? '').trim() !== '')
    .sort()
    .map((n) => ({
      severity: 'warning', stage: 'parse', file: '', path: [n],
      message: `ignored: ${file || 'this configuration'} is a Lumen pipelines file; BEYLA_*/OTEL_EBPF_* variables apply to Beyla/OBI configurations (run without the file, or write the option in it)`,
    }));
}

/** discovery, receivers, processors, exporters, service: the order pipelines.yaml is read in. */
function canonicalOrder(doc: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ['discovery', 'receivers', 'processors', 'exporters', 'service']) if (doc[k] !== undefined) out[k] = doc[k];
  return out;
}

/** Leaves copied from the file get back their `${VAR}` text (secrets stay in the environment). */
function withReferences(v: unknown, path: PathSegment[], written: (path: PathSegment[], emitted: unknown) => string | undefined): unknown {
  if (Array.isArray(v)) return v.map((x, i) => withReferences(x, [...path, i], written));
  if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withReferences(x, [...path, k], written)]));
  const text = written(path, v);
  return text !== undefined ? text : v;
}

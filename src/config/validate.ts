import type { ValidateFunction } from 'ajv';
import type { AnyFactory, JsonSchema } from '../component/contract.js';
import type { FactoryRegistry } from '../component/registry.js';
import { createAjv } from './ajv.js';
import { describeAjvErrors, suggest } from './ajv-messages.js';
import { type ConfigIssue, type PathSegment, type Stage, compareIssues } from './errors.js';
import { clonePlain, deepFreeze, isPlainObject, mergeDefaults } from './freeze.js';
import { decodeConfig, isTypedSchema } from './component-config.js';
import { checkGraph } from './graph.js';
import { COMPONENT_ID, PIPELINE_ID, SECTIONS, SECTION_KIND, type LumenConfig, rootSchema, serviceSchema } from './schema.js';
import { ConfigSource } from './source.js';
import type { Env } from './env.js';
import { ignoredBeylaVariables, isBeylaShape, translateBeyla, type BeylaTranslation, type Flavor } from './beyla/index.js';

export type StageName = Exclude<Stage, 'construction'>;

export interface StageReport {
  readonly stage: Stage;
  /** 'skipped' when an earlier stage failed. */
  readonly status: 'ok' | 'failed' | 'skipped';
  readonly issues: ConfigIssue[];
}

export interface ValidationResult {
  readonly source: ConfigSource;
  readonly stages: StageReport[];
  readonly errors: ConfigIssue[];
  readonly warnings: ConfigIssue[];
  /** Present when parse, schema and graph passed: defaulted and deep-frozen. */
  readonly config?: LumenConfig;
  /** Present when the input was a Beyla/OBI configuration: what it was translated into. */
  readonly beyla?: BeylaTranslation;
}

export interface ConfigInput {
  /** YAML text, or an already-parsed object (library API). */
  readonly yaml?: string;
  readonly object?: unknown;
  /** Name used in messages (the path as the user gave it, e.g. "pipelines.yaml"); '' for objects. */
  readonly file?: string;
  readonly env?: Env;
  /**
   * `auto` (default): a Beyla/OBI file (no service:, Beyla's keys) is translated into pipelines; `beyla`: always
   * read as Beyla/OBI with its environment variables (an empty document: the environment alone configures Lumen).
   */
  readonly format?: 'auto' | 'beyla';
  /** Beyla or OBI naming (metric_prefix); default from the variables set. */
  readonly flavor?: Flavor;
}

const ajv = createAjv({ verbose: true });
const compiled = new WeakMap<object, ValidateFunction>();

function compile(schema: JsonSchema): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    v = ajv.compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

/** Runs the parse, schema and graph stages; never throws for a bad config (see loadConfig for that). */
export function validateConfig(input: ConfigInput, registry: FactoryRegistry): ValidationResult {
  const env = input.env ?? process.env;
  const file = input.file ?? '';
  let source = input.yaml !== undefined ? ConfigSource.fromYaml(input.yaml, file, env) : ConfigSource.fromObjectWithEnv(input.object ?? {}, file, env);
  let parseIssues = [...source.issues];
  let beyla: BeylaTranslation | undefined;
  if (!parseIssues.length && (input.format === 'beyla' || isBeylaShape(source.value))) {
    beyla = translateBeyla(source, file, { env, flavor: input.flavor, knows: (kind, option) => knowsOption(registry, kind, option) });
    source = beyla.source;
    parseIssues = beyla.issues;
  } else if (input.yaml !== undefined) {
    parseIssues.push(...ignoredBeylaVariables(env, file));
  }
  const stages: StageReport[] = [];
  const add = (stage: Stage, found: ConfigIssue[]): boolean => {
    const issues = beyla && stage !== 'parse' ? found.map(beyla.relocate) : found;
    issues.sort(compareIssues);
    const failed = issues.some((i) => i.severity === 'error');
    stages.push({ stage, status: failed ? 'failed' : 'ok', issues });
    return !failed;
  };
  const finish = (config?: LumenConfig): ValidationResult => {
    for (const s of ['parse', 'schema', 'graph'] as const) {
      if (!stages.some((r) => r.stage === s)) stages.push({ stage: s, status: 'skipped', issues: [] });
    }
    const all = stages.flatMap((s) => s.issues);
    return { source, stages, errors: all.filter((i) => i.severity === 'error'), warnings: all.filter((i) => i.severity === 'warning'), config, beyla };
  };

  if (!add('parse', parseIssues)) return finish();
  const schema = checkSchema(source, registry);
  if (!add('schema', schema.issues)) return finish();
  const config = schema.config!;
  if (!add('graph', checkGraph(config, registry, source))) return finish();
  return finish(deepFreeze(config));
}

interface SchemaOutcome {
  issues: ConfigIssue[];
  config?: LumenConfig;
}

function checkSchema(source: ConfigSource, registry: FactoryRegistry): SchemaOutcome {
  const issues: ConfigIssue[] = [];
  const issue = (path: PathSegment[], message: string, at: 'value' | 'key' = 'value'): void => {
    let msg = message;
    if (path.length >= 2 && at === 'value' && !source.has(path) && message !== 'is required') {
      msg += ' (value from the defaults or the environment)';
    }
    issues.push({ severity: 'error', stage: 'schema', file: source.file, position: source.position(path, at), path, message: msg });
  };
  const validateInto = (schema: JsonSchema, value: unknown, base: PathSegment[]): boolean => {
    const validate = compile(schema);
    if (validate(value)) return true;
    for (const p of describeAjvErrors(validate.errors ?? [], value)) issue([...base, ...p.path], p.message, p.at);
    return false;
  };

  const root = source.value ?? {};
  if (!isPlainObject(root)) {
    issue([], 'the configuration must be a mapping with receivers, processors, exporters and service');
    return { issues };
  }
  if (!('service' in root)) issue(['service'], 'is required, define service.pipelines with at least one of traces, metrics, flows');
  if (!validateInto(rootSchema, root, []) || issues.length) return { issues };

  // Service sections (discovery:) are validated against the schema their service registered.
  const serviceSections: Record<string, unknown> = {};
  for (const [key, schema] of registry.sections()) {
    serviceSections[key] = root[key] ?? {};
    validateInto(schema, serviceSections[key], [key]);
  }
  const discovery = serviceSections['discovery'] ?? root['discovery'] ?? {};

  const sections: Record<string, Record<string, unknown>> = {};
  for (const section of SECTIONS) {
    const kind = SECTION_KIND[section];
    const out: Record<string, unknown> = {};
    const entries = (root[section] ?? {}) as Record<string, unknown>;
    for (const [id, raw] of Object.entries(entries)) {
      const path = [section, id];
      const m = COMPONENT_ID.exec(id);
      if (!m) {
        issue(path, `invalid ${kind} id, write <type> or <type>/<name> with a lower_snake_case type`, 'key');
        continue;
      }
      const factory = registry.get(kind, m[1]!);
      if (!factory) {
        const known = registry.types(kind);
        const hint = suggest(m[1]!, known);
        issue(path, `unknown ${kind} type "${m[1]}"${hint ? ` (did you mean "${hint}"?)` : ''}, known: ${known.join(', ') || 'none'}`, 'key');
        continue;
      }
      const body = raw ?? {};
      if (!isPlainObject(body)) {
        issue(path, `must be a mapping of ${factory.type} options, got ${Array.isArray(body) ? 'a list' : JSON.stringify(body)}`);
        continue;
      }
      // A typed schema holds its defaults (ajv fills them in); a plain one may keep them in defaultConfig().
      const merged = isTypedSchema(factory.schema) ? clonePlain(body) : mergeDefaults(defaults(factory), body);
      if (!validateInto(factory.schema, merged, path)) continue;
      const decoded = decodeConfig(factory.schema, merged);
      if (checkSemantics(factory, decoded, path, issue)) out[id] = decoded;
    }
    sections[section] = out;
  }

  const service = root['service'] as Record<string, unknown>;
  validateInto(serviceSchema, service, ['service']);
  if (isPlainObject(service['pipelines'])) {
    for (const name of Object.keys(service['pipelines'])) {
      if (!PIPELINE_ID.test(name)) {
        issue(['service', 'pipelines', name], `unknown pipeline "${name}", allowed: traces, metrics, flows, each optionally with a /name suffix (e.g. traces/backend)`, 'key');
      }
    }
  }
  if (issues.length) return { issues };
  return {
    issues,
    config: {
      discovery: discovery as Record<string, unknown>,
      receivers: sections['receivers']!,
      processors: sections['processors']!,
      exporters: sections['exporters']!,
      service: service as unknown as LumenConfig['service'],
    },
  };
}

/** The factory's own validate() (semantic rules), its problems positioned like schema errors. */
function checkSemantics(factory: AnyFactory, config: unknown, base: PathSegment[], issue: (path: PathSegment[], message: string) => void): boolean {
  if (!factory.validate) return true;
  let problems: ReturnType<NonNullable<AnyFactory['validate']>>;
  try {
    problems = factory.validate(config);
  } catch (e) {
    problems = [{ path: [], message: `cannot be checked: ${(e as Error)?.message ?? String(e)}` }];
  }
  for (const p of problems) issue([...base, ...p.path], p.message);
  return problems.length === 0;
}

/** Whether a registered exporter's schema has an option (e.g. metric_prefix, added with the naming modes). */
function knowsOption(registry: FactoryRegistry, type: string, option: string): boolean {
  const props = registry.get('exporter', type)?.schema['properties'];
  return isPlainObject(props) && option in props;
}

function defaults(factory: AnyFactory): unknown {
  try {
    return factory.defaultConfig() ?? {};
  } catch {
    return {};
  }
}

import type { ValidateFunction } from 'ajv';
import type { JsonSchema } from '../component/contract.js';
import { createAjv } from './ajv.js';
import type { Field, Infer } from './typed-schema.js';

/**
 * The bridge between a typed schema (typed-schema.ts) and the factory contract: a factory spreads
 * `...componentConfig(field)` to get its `schema` and a `defaultConfig()` derived from the schema's defaults, and
 * validation finds the field again from the schema to decode what it validated.
 */
const fields = new WeakMap<JsonSchema, Field<unknown>>();
const ajv = createAjv();
const compiled = new WeakMap<JsonSchema, ValidateFunction>();

export interface ComponentConfig<T> {
  readonly schema: JsonSchema;
  /** The decoded defaults: what an empty mapping in the YAML means (required keys without default are absent). */
  defaultConfig(): T;
}

export function componentConfig<F extends Field<unknown>>(root: F): ComponentConfig<Infer<F>> {
  // A schema root takes no `default` (ajv strict mode): the engine supplies `{}` for an empty component.
  const { default: _ignored, ...schema } = root.schema;
  fields.set(schema, root);
  return { schema, defaultConfig: () => defaultsOf(schema) as Infer<F> };
}

/** True when the schema was declared with the typed builder: its defaults live in the schema only. */
export function isTypedSchema(schema: JsonSchema): boolean {
  return fields.has(schema);
}

/** The validated (defaulted) YAML value as the component receives it; unchanged for plain JSON schemas. */
export function decodeConfig(schema: JsonSchema, validated: unknown): unknown {
  const f = fields.get(schema);
  return f?.decode ? f.decode(validated) : validated;
}

/** A typed schema's defaults, decoded: validating `{}` fills them in (useDefaults); a missing required key stays absent. */
export function defaultsOf(schema: JsonSchema): unknown {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  const value: Record<string, unknown> = {};
  validate(value);
  return decodeConfig(schema, value);
}

/**
 * A component config from its YAML shape, as validation makes it (defaults filled in, formats decoded), for
 * programs and tests that create a component without an agent. Throws when the YAML does not validate.
 */
export function configFromYaml<C>(factory: { readonly schema: JsonSchema; readonly type?: string }, yaml: object = {}): C {
  let validate = compiled.get(factory.schema);
  if (!validate) {
    validate = ajv.compile(factory.schema);
    compiled.set(factory.schema, validate);
  }
  const value = structuredClone(yaml);
  if (!validate(value)) {
    const why = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`).join('; ');
    throw new TypeError(`invalid ${factory.type ?? 'component'} config: ${why}`);
  }
  return decodeConfig(factory.schema, value) as C;
}

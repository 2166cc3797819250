import { componentConfig } from '../../src/config/component-config.js';
import { array, boolean, enumOf, number, object, oneOfTypes, record, string, type Infer } from '../../src/config/typed-schema.js';

export const ACTIONS = ['insert', 'update', 'upsert', 'delete', 'hash', 'rename'] as const;

const globs = array(string({ minLength: 1 }));

const inclusionLists = object({
  /** Attribute globs to report (instead of the metric's defaults). Dots and underscores are equivalent. */
  include: globs,
  /** Attribute globs removed from the include list or the defaults. */
  exclude: globs,
});

const attributeAction = object({
  /** The attribute acted on (for `rename`: the new name). */
  key: string({ minLength: 1 }),
  action: enumOf(ACTIONS),
  /** insert/update/upsert: a literal value … */
  value: oneOfTypes([string(), number(), boolean()]),
  /** … or the value of another attribute. rename: the attribute to rename. */
  from_attribute: string({ minLength: 1 }),
  /** `span` (when absent): the span's attributes; `resource`: its service's resource attributes. */
  context: enumOf(['span', 'resource']),
}, { required: ['key', 'action'] });

export const attributesConfig = object({
  /** Beyla's `attributes.select`: metric name (Prom or OTel form) or glob → include/exclude lists. */
  select: record(inclusionLists, { default: {} }),
  /** Collector-style actions, applied in order to every span. */
  actions: array(attributeAction, { default: [] }),
});

export type AttributesConfig = Infer<typeof attributesConfig>;
export type InclusionLists = Infer<typeof inclusionLists>;
export type AttributeAction = Infer<typeof attributeAction>;
export const { schema: attributesSchema, defaultConfig: defaultAttributesConfig } = componentConfig(attributesConfig);

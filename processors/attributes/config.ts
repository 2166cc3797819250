import type { JsonSchema } from '../../src/component/index.js';

export interface InclusionLists {
  /** Attribute globs to report (instead of the metric's defaults). Dots and underscores are equivalent. */
  include?: string[];
  /** Attribute globs removed from the include list or the defaults. */
  exclude?: string[];
}

export const ACTIONS = ['insert', 'update', 'upsert', 'delete', 'hash', 'rename'] as const;

export interface AttributeAction {
  /** The attribute acted on (for `rename`: the new name). */
  key: string;
  action: (typeof ACTIONS)[number];
  /** insert/update/upsert: a literal value … */
  value?: string | number | boolean;
  /** … or the value of another attribute. rename: the attribute to rename. */
  from_attribute?: string;
  /** `span` (default): the span's attributes; `resource`: its service's resource attributes. */
  context?: 'span' | 'resource';
}

export interface AttributesConfig {
  /** Beyla's `attributes.select`: metric name (Prom or OTel form) or glob → include/exclude lists. */
  select: Record<string, InclusionLists>;
  /** Collector-style actions, applied in order to every span. */
  actions: AttributeAction[];
}

const globs = { type: 'array', items: { type: 'string', minLength: 1 } };

export const attributesSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    select: {
      type: 'object',
      default: {},
      additionalProperties: { type: 'object', additionalProperties: false, properties: { include: globs, exclude: globs } },
    },
    actions: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['key', 'action'],
        properties: {
          key: { type: 'string', minLength: 1 },
          action: { enum: [...ACTIONS] },
          value: { type: ['string', 'number', 'boolean'] },
          from_attribute: { type: 'string', minLength: 1 },
          context: { enum: ['span', 'resource'], default: 'span' },
        },
      },
    },
  },
};

export function defaultAttributesConfig(): AttributesConfig {
  return { select: {}, actions: [] };
}

import type { JsonSchema } from '../../src/component/index.js';

export const UNMATCHED_POLICIES = ['unset', 'path', 'wildcard', 'heuristic', 'low-cardinality'] as const;
export const IGNORE_MODES = ['all', 'traces', 'metrics'] as const;

export interface RoutesConfig {
  /** Route patterns (`/users/{id}`, `/users/:id`, `/static/*`); the first declared that matches wins. */
  patterns: string[];
  /** Paths whose spans are dropped (in the pipelines `ignore_mode` names). Same syntax as `patterns`. */
  ignored_patterns: string[];
  ignore_mode: (typeof IGNORE_MODES)[number];
  /** What http.route becomes when no pattern matches. */
  unmatched: (typeof UNMATCHED_POLICIES)[number];
  /** The character id-like segments become. */
  wildcard_char: string;
  /** low-cardinality: distinct children a path segment may have before they fold into the wildcard. */
  max_path_segment_cardinality: number;
  /** Distinct routes per service from the `unmatched` policy; new ones past it become the overflow route `/**`. */
  max_routes_per_service: number;
}

const routePattern = { type: 'string', pattern: '^/', description: 'a path pattern starting with "/"' };

export const routesSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    patterns: { type: 'array', items: routePattern, default: [] },
    ignored_patterns: { type: 'array', items: routePattern, default: [] },
    ignore_mode: { enum: [...IGNORE_MODES], default: 'all' },
    unmatched: { enum: [...UNMATCHED_POLICIES], default: 'heuristic' },
    wildcard_char: { type: 'string', minLength: 1, maxLength: 1, pattern: '^[^/]$', default: '*' },
    max_path_segment_cardinality: { type: 'integer', minimum: 1, maximum: 10000, default: 10 },
    max_routes_per_service: { type: 'integer', minimum: 1, maximum: 1_000_000, default: 500, description: 'Distinct routes per service from the unmatched policy; a new route past it becomes "/**" until known ones are idle for 5 minutes.' },
  },
};

export function defaultRoutesConfig(): RoutesConfig {
  return {
    patterns: [],
    ignored_patterns: [],
    ignore_mode: 'all',
    unmatched: 'heuristic',
    wildcard_char: '*',
    max_path_segment_cardinality: 10,
    max_routes_per_service: 500,
  };
}

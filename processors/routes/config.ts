import { componentConfig } from '../../src/config/component-config.js';
import { array, enumOf, integer, object, string, type Infer } from '../../src/config/typed-schema.js';

export const UNMATCHED_POLICIES = ['unset', 'path', 'wildcard', 'heuristic', 'low-cardinality'] as const;
export const IGNORE_MODES = ['all', 'traces', 'metrics'] as const;

const routePattern = string({ pattern: '^/', description: 'a path pattern starting with "/"' });

export const routesConfig = object({
  /** Route patterns (`/users/{id}`, `/users/:id`, `/static/*`); the first declared that matches wins. */
  patterns: array(routePattern, { default: [] }),
  /** Paths whose spans are dropped (in the pipelines `ignore_mode` names). Same syntax as `patterns`. */
  ignored_patterns: array(routePattern, { default: [] }),
  ignore_mode: enumOf(IGNORE_MODES, { default: 'all' }),
  /** What http.route becomes when no pattern matches. */
  unmatched: enumOf(UNMATCHED_POLICIES, { default: 'heuristic' }),
  /** The character id-like segments become. */
  wildcard_char: string({ minLength: 1, maxLength: 1, pattern: '^[^/]$', default: '*' }),
  /** low-cardinality: distinct children a path segment may have before they fold into the wildcard. */
  max_path_segment_cardinality: integer({ minimum: 1, maximum: 10000, default: 10 }),
  /** Distinct routes per service from the unmatched policy; a new route past it becomes "/**" until known ones are idle for 5 minutes. */
  max_routes_per_service: integer({ minimum: 1, maximum: 1_000_000, default: 500, description: 'Distinct routes per service from the unmatched policy; a new route past it becomes "/**" until known ones are idle for 5 minutes.' }),
});

export type RoutesConfig = Infer<typeof routesConfig>;
export const { schema: routesSchema, defaultConfig: defaultRoutesConfig } = componentConfig(routesConfig);

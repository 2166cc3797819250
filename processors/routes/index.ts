import type { ProcessorFactory } from '../../src/component/index.js';
import { retainInPlace, spanOperator } from '../common/span-operator.js';
import { defaultRoutesConfig, routesSchema, type RoutesConfig } from './config.js';
import { RouteBudget, OVERFLOW_ROUTE } from './route-budget.js';
import { Router } from './router.js';

export type { RoutesConfig } from './config.js';
export { RouteHeuristic } from './heuristic.js';
export { RouteMatcher } from './matcher.js';
export { RouteTrie } from './trie.js';
export { OVERFLOW_ROUTE, RouteBudget } from './route-budget.js';

/** `routes`: gives HTTP spans a low-cardinality http.route and the span name "<METHOD> <route>". */
export const routesProcessorFactory: ProcessorFactory<RoutesConfig> = {
  type: 'routes',
  kind: 'processor',
  signals: ['traces', 'metrics'],
  schema: routesSchema,
  defaultConfig: defaultRoutesConfig,
  // Router.apply writes http.route and the span name, nothing else (it may drop spans: ignored routes).
  spanWrites: ['name', 'http.route'],
  // A span already routed with this config keeps its http.route (declared patterns are found again, the same), and its
  // name is a function of method and route. Unless ignored paths leave only some pipelines (ignore_mode traces|metrics):
  // then each pipeline's route budget counts different spans, and their routes may differ.
  sharesSpans: (config) => config.ignored_patterns.length === 0 || config.ignore_mode === 'all',
  create(config, ctx) {
    const overflow = ctx.telemetry.counter('lumen_routes_overflow_total', `Spans given the overflow route ${OVERFLOW_ROUTE} because their service reached max_routes_per_service.`);
    const budget = new RouteBudget(config.max_routes_per_service, () => overflow.add(), (service) => {
      ctx.logger.warn(`service ${service.name} reached processors.${ctx.id}.max_routes_per_service (${config.max_routes_per_service} routes): its new routes read as ${OVERFLOW_ROUTE} (counted in lumen_routes_overflow_total) until known ones are idle for 5 minutes. Random paths from a client? Otherwise declare the service's routes in patterns or raise the option`,
        { service: service.name, instance: service.instanceId });
    });
    const router = new Router(config, ctx.signal, budget);
    const ignored = ctx.telemetry.counter('lumen_processor_dropped_spans_total', 'Spans a processor dropped on purpose, by reason.', { reason: 'ignored_route' });
    return spanOperator((batch) => {
      const now = Date.now();
      const removed = retainInPlace(batch.items, (span) => router.apply(span, now));
      if (removed > 0) ignored.add(removed);
      return batch;
    });
  },
};

export default routesProcessorFactory;

import type { ProcessorFactory } from '../../src/component/index.js';
import { retainInPlace, spanOperator } from '../common/span-operator.js';
import { defaultRoutesConfig, routesSchema, type RoutesConfig } from './config.js';
import { Router } from './router.js';

export type { RoutesConfig } from './config.js';
export { RouteHeuristic } from './heuristic.js';
export { RouteMatcher } from './matcher.js';
export { RouteTrie } from './trie.js';

/** `routes`: gives HTTP spans a low-cardinality http.route and the span name "<METHOD> <route>". */
export const routesProcessorFactory: ProcessorFactory<RoutesConfig> = {
  type: 'routes',
  kind: 'processor',
  signals: ['traces', 'metrics'],
  schema: routesSchema,
  defaultConfig: defaultRoutesConfig,
  // Router.apply writes http.route and the span name, nothing else (it may drop spans: ignored routes).
  spanWrites: ['name', 'http.route'],
  create(config, ctx) {
    const router = new Router(config, ctx.signal);
    const ignored = ctx.telemetry.counter('lumen_processor_dropped_spans_total', 'Spans a processor dropped on purpose, by reason.', { reason: 'ignored_route' });
    return spanOperator((batch) => {
      const removed = retainInPlace(batch.items, (span) => router.apply(span));
      if (removed > 0) ignored.add(removed);
      return batch;
    });
  },
};

export default routesProcessorFactory;

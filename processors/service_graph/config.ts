import { componentConfig } from '../../src/config/component-config.js';
import { duration, integer, object, string, type Infer } from '../../src/config/typed-schema.js';

export const serviceGraphConfig = object({
  /** How long a span waits for the other end of its connection (the client span ends after the server span). */
  wait: duration({ positive: true, default: '2s', description: 'How long a span waits for the span at the other end of its connection.' }),
  /** Spans held at most; past it the oldest are paired early (lumen_service_graph_forced_total). */
  max_spans: integer({ minimum: 1, maximum: 10_000_000, default: 100_000 }),
  /** The client of a request that no observed span made (a root server span): Tempo's virtual node. */
  virtual_client: string({ minLength: 1, default: 'user' }),
});

export type ServiceGraphConfig = Infer<typeof serviceGraphConfig>;
export const { schema: serviceGraphSchema, defaultConfig: defaultServiceGraphConfig } = componentConfig(serviceGraphConfig);

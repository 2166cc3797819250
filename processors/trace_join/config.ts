import { componentConfig } from '../../src/config/component-config.js';
import { duration, integer, object, type Infer } from '../../src/config/typed-schema.js';

export const traceJoinConfig = object({
  /** How long a span is held for its relatives; a request longer than this (end to end) is not joined. */
  wait: duration({ positive: true, default: '2s', description: 'How long a span is held for the spans it is joined to; requests lasting longer (end to end) stay unjoined.' }),
  /** Spans held at most; past it the oldest leave before their window ends (lumen_trace_join_forced_total). */
  max_spans: integer({ minimum: 1, maximum: 10_000_000, default: 100_000 }),
});

export type TraceJoinConfig = Infer<typeof traceJoinConfig>;
export const { schema: traceJoinSchema, defaultConfig: defaultTraceJoinConfig } = componentConfig(traceJoinConfig);

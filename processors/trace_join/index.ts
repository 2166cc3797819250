import type { ProcessorFactory } from '../../src/component/index.js';
import { applyParent, joinerOperator, leftBatch } from '../../src/tracing/index.js';
import { defaultTraceJoinConfig, traceJoinSchema, type TraceJoinConfig } from './config.js';

export type { TraceJoinConfig } from './config.js';

/**
 * `trace_join`: joins the spans of one host into traces without any header on the wire — a client call under
 * the request its thread serves, a server span under the client span at the other end of its connection —
 * by holding spans for `wait`. In metrics pipelines it passes everything through (metrics need no parents).
 */
export const traceJoinProcessorFactory: ProcessorFactory<TraceJoinConfig> = {
  type: 'trace_join',
  kind: 'processor',
  signals: ['traces', 'metrics'],
  schema: traceJoinSchema,
  defaultConfig: defaultTraceJoinConfig,
  create(config, ctx) {
    if (ctx.signal !== 'traces') return (source) => source;
    const t = ctx.telemetry;
    const help = 'Spans the trace_join processor let go, by how their parent was found (none: emitted unchanged).';
    const outcome = {
      thread: t.counter('lumen_trace_join_spans_total', help, { link: 'thread' }),
      connection: t.counter('lumen_trace_join_spans_total', help, { link: 'connection' }),
      external: t.counter('lumen_trace_join_spans_total', help, { link: 'external' }),
      none: t.counter('lumen_trace_join_spans_total', help, { link: 'none' }),
    };
    const forced = t.counter('lumen_trace_join_forced_total', 'Spans that left trace_join before their window ended because max_spans were held.');
    let forcedSeen = 0;
    return joinerOperator({ waitMs: config.wait, maxSpans: config.max_spans }, (joiner, left, selection) => {
      for (const p of left) {
        applyParent(joiner, p);
        outcome[p.link].add();
      }
      if (joiner.forced > forcedSeen) {
        forced.add(joiner.forced - forcedSeen);
        forcedSeen = joiner.forced;
      }
      return [leftBatch(left, selection)];
    });
  },
};

export default traceJoinProcessorFactory;

import type { ProcessorFactory } from '../../src/component/index.js';
import { measurementBatch, type Batch } from '../../src/model/batch.js';
import type { Measurement } from '../../src/model/measurement.js';
import { joinerOperator } from '../../src/tracing/index.js';
import { defaultServiceGraphConfig, serviceGraphSchema, type ServiceGraphConfig } from './config.js';
import { edgeMeasurements, type EdgeCounts } from './edges.js';

export type { ServiceGraphConfig } from './config.js';

/**
 * `service_graph`: client -> server edges between the services of this host, computed once in the pipeline
 * (like the Collector's servicegraph connector): each server span is paired with the client span at the other
 * end of its connection, and traces_service_graph_request_{total,failed_total,server_seconds,client_seconds}
 * measurements follow the spans, which pass through at once. Metrics pipelines only.
 */
export const serviceGraphProcessorFactory: ProcessorFactory<ServiceGraphConfig> = {
  type: 'service_graph',
  kind: 'processor',
  signals: ['metrics'],
  spanWrites: [],
  schema: serviceGraphSchema,
  defaultConfig: defaultServiceGraphConfig,
  create(config, ctx) {
    const t = ctx.telemetry;
    const help = 'Server spans the service_graph processor saw, by how their caller was found (virtual: a root span or an unobserved server).';
    const seen = {
      paired: t.counter('lumen_service_graph_spans_total', help, { pairing: 'paired' }),
      virtual: t.counter('lumen_service_graph_spans_total', help, { pairing: 'virtual' }),
      unpaired: t.counter('lumen_service_graph_spans_total', help, { pairing: 'unpaired' }),
    };
    const forced = t.counter('lumen_service_graph_forced_total', 'Spans the service_graph processor paired before their window ended because max_spans were held.');
    let forcedSeen = 0;
    return joinerOperator({ waitMs: config.wait, maxSpans: config.max_spans, passThrough: true }, (joiner, left): Batch[] => {
      const counts: EdgeCounts = { paired: 0, virtual: 0, unpaired: 0 };
      const out: Measurement[] = [];
      edgeMeasurements(joiner, left, config.virtual_client, counts, out);
      seen.paired.add(counts.paired);
      seen.virtual.add(counts.virtual);
      seen.unpaired.add(counts.unpaired);
      if (joiner.forced > forcedSeen) {
        forced.add(joiner.forced - forcedSeen);
        forcedSeen = joiner.forced;
      }
      return out.length ? [measurementBatch(out)] : [];
    });
  },
};

export default serviceGraphProcessorFactory;

import { componentType, pipelineSignal, type LumenConfig } from '../config/schema.js';
import type { ConsumerPipeline, HeadSamplingRule } from '../component/contract.js';
import type { FactoryRegistry } from '../component/registry.js';
import { AGGREGATED_SIGNALS, type MetricsGroup } from './metrics-stage.js';

/** The pipelines receiver `id` feeds, as it sees them (ComponentContext.consumers). `metricsGroups`: the metrics stage's aggregators by exporter id. */
export function consumersOf(id: string, config: LumenConfig, registry: FactoryRegistry, metricsGroups?: ReadonlyMap<string, MetricsGroup>): ConsumerPipeline[] {
  return Object.entries(config.service.pipelines)
    .filter(([, p]) => p.receivers.includes(id))
    .map(([name, p]) => {
      const signal = pipelineSignal(name);
      const aggregated = AGGREGATED_SIGNALS.includes(signal);
      return {
        name, signal, headSampling: firstSampling(p.processors, config, registry),
        processors: p.processors.map((pid) => ({ id: pid, type: componentType(pid), config: config.processors[pid] })),
        exporters: p.exporters.map((eid) => ({ id: eid, aggregator: aggregated ? metricsGroups?.get(eid)?.aggregator : undefined })),
      };
    });
}

/** The first sampling step, if only processors that leave trace context alone (spanWrites declared) come before it. */
function firstSampling(processors: readonly string[], config: LumenConfig, registry: FactoryRegistry): HeadSamplingRule | undefined {
  for (const id of processors) {
    const factory = registry.get('processor', componentType(id));
    if (!factory) return undefined;
    if (factory.headSampling) return factory.headSampling(config.processors[id] ?? factory.defaultConfig());
    if (!factory.spanWrites) return undefined;
  }
  return undefined;
}

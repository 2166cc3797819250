import { componentType, pipelineSignal, type LumenConfig } from '../config/schema.js';
import type { ConsumerPipeline, HeadSamplingRule } from '../component/contract.js';
import type { FactoryRegistry } from '../component/registry.js';

/** The pipelines receiver `id` feeds, as it sees them (ComponentContext.consumers). */
export function consumersOf(id: string, config: LumenConfig, registry: FactoryRegistry): ConsumerPipeline[] {
  return Object.entries(config.service.pipelines)
    .filter(([, p]) => p.receivers.includes(id))
    .map(([name, p]) => ({ name, signal: pipelineSignal(name), headSampling: firstSampling(p.processors, config, registry) }));
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

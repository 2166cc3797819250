import { hostname } from 'node:os';
import type { ComponentContext, ProcessorContext, Signal } from './contract.js';
import type { Discovery } from './discovery.js';
import type { Logger } from '../telemetry/logger.js';
import type { InternalMetrics } from '../telemetry/internal-metrics.js';
import type { InternalMetricsSource } from '../telemetry/self-telemetry.js';

export interface ContextDeps {
  readonly logger: Logger;
  readonly metrics: InternalMetrics;
  readonly hostName?: string;
  /** Returns the shared discovery, creating it on first call. */
  readonly discovery: () => Discovery;
  /** What exporters publish (defaults to `metrics`; empty when service.telemetry.metrics.enabled is false). */
  readonly published?: InternalMetricsSource;
}

/** The context one component instance receives: its id, a child logger, telemetry labelled with its id. */
export function componentContext(id: string, deps: ContextDeps, labels: Record<string, string> = {}): ComponentContext {
  return Object.freeze({
    id,
    logger: deps.logger.child({ component: id, ...labels }),
    telemetry: deps.metrics.forComponent(id, labels),
    internalMetrics: deps.published ?? deps.metrics,
    hostName: deps.hostName ?? hostname(),
    discovery: deps.discovery,
  });
}

/** A processor's context: one per (processor, pipeline), its telemetry also labelled with the pipeline. */
export function processorContext(id: string, pipeline: string, signal: Signal, deps: ContextDeps): ProcessorContext {
  return Object.freeze({ ...componentContext(id, deps, { pipeline }), signal });
}

import type { ConfigIssue, PathSegment } from '../config/errors.js';
import { componentType, pipelineSignal, type LumenConfig } from '../config/schema.js';
import type { ConfigSource } from '../config/source.js';
import type { Exporter, Receiver } from '../component/contract.js';
import { componentContext, processorContext, type ContextDeps } from '../component/context.js';
import type { FactoryRegistry } from '../component/registry.js';
import type { InternalMetrics } from '../telemetry/internal-metrics.js';
import type { Logger } from '../telemetry/logger.js';
import type { Route } from './fanout.js';
import { consumersOf } from './consumers.js';
import { AGGREGATED_SIGNALS, groupMetricsExporters } from './metrics-stage.js';
import { Pipeline, type PipelineOptions, type PipelineProcessor } from './pipeline.js';

/** A receiver in the graph and the pipelines it feeds. */
export interface ReceiverNode {
  readonly id: string;
  readonly receiver: Receiver;
  readonly routes: readonly Route[];
}

export interface Graph {
  readonly exporters: Map<string, Exporter>;
  readonly pipelines: Pipeline[];
  readonly receivers: ReceiverNode[];
  /** Problems of stage 'construction', one per factory that threw. */
  readonly issues: ConfigIssue[];
}

export interface BuildOptions {
  readonly registry: FactoryRegistry;
  readonly logger: Logger;
  readonly metrics: InternalMetrics;
  readonly source?: ConfigSource;
  readonly deps: ContextDeps;
  readonly onProcessed: PipelineOptions['onProcessed'];
}

/**
 * Creates every component the pipelines use, in the order they start: exporters (shared by pipelines), then
 * each pipeline's own processor instances, then receivers. A factory that throws becomes a construction issue
 * at its config path; building goes on so that every such problem is reported at once.
 */
export function buildGraph(config: LumenConfig, opts: BuildOptions): Graph {
  const issues: ConfigIssue[] = [];
  const attempt = <T>(path: PathSegment[], make: () => T): T | undefined => {
    try {
      return make();
    } catch (e) {
      issues.push({ severity: 'error', stage: 'construction', file: opts.source?.file ?? '', position: opts.source?.position(path, 'key'), path, message: `cannot be created: ${(e as Error).message}` });
      return undefined;
    }
  };
  const { registry, deps } = opts;
  const pipelineEntries = Object.entries(config.service.pipelines);
  const exporters = new Map<string, Exporter>();
  for (const id of new Set(pipelineEntries.flatMap(([, p]) => p.exporters))) {
    const factory = registry.get('exporter', componentType(id))!;
    const exporter = attempt(['exporters', id], () => factory.create(config.exporters[id], componentContext(id, deps)));
    if (exporter) exporters.set(id, exporter);
  }
  const metricsGroups = groupMetricsExporters(exporters, (id) => pipelineEntries
    .filter(([name, p]) => AGGREGATED_SIGNALS.includes(pipelineSignal(name)) && p.exporters.includes(id)).map(([name]) => name));
  const pipelines: Pipeline[] = [];
  const routeOf = new Map<Pipeline, Route>();
  for (const [name, p] of pipelineEntries) {
    const signal = pipelineSignal(name);
    const processors: PipelineProcessor[] = [];
    let nameAndRouteOnly = true;
    let sharesSpans = p.processors.length > 0;
    for (const id of p.processors) {
      const factory = registry.get('processor', componentType(id))!;
      if (!factory.spanWrites?.every((f) => f === 'name' || f === 'http.route')) nameAndRouteOnly = false;
      if (!factory.sharesSpans?.(config.processors[id] ?? factory.defaultConfig())) sharesSpans = false;
      const operator = attempt(['processors', id], () => factory.create(config.processors[id], processorContext(id, name, signal, deps)));
      if (operator) processors.push({ id, operator });
    }
    const sinks = p.exporters.filter((id) => exporters.has(id)).map((id) => ({ id, exporter: exporters.get(id)! }));
    const pipeline = new Pipeline({
      name, signal, processors, exporters: sinks, metricsGroups, queueSize: config.service.queue_size, metrics: opts.metrics,
      logger: opts.logger.child({ pipeline: name }), onProcessed: opts.onProcessed,
    });
    pipelines.push(pipeline);
    const spanGroup = sharesSpans ? JSON.stringify(p.processors) : undefined;
    routeOf.set(pipeline, { pipeline, mutating: p.processors.length > 0, nameAndRouteOnly, spanGroup });
  }
  const receivers: ReceiverNode[] = [];
  for (const id of new Set(pipelineEntries.flatMap(([, p]) => p.receivers))) {
    const factory = registry.get('receiver', componentType(id))!;
    const ctx = Object.freeze({ ...componentContext(id, deps), consumers: consumersOf(id, config, registry, metricsGroups) });
    const receiver = attempt(['receivers', id], () => factory.create(config.receivers[id], ctx));
    if (!receiver) continue;
    const targets = pipelines.filter((pl) => config.service.pipelines[pl.name]!.receivers.includes(id));
    for (const t of targets) t.addSource(id);
    receivers.push({ id, receiver, routes: targets.map((t) => routeOf.get(t)!) });
  }
  return { exporters, pipelines, receivers, issues };
}

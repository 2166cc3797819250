import { hostname } from 'node:os';
import { Subject, type Subscription } from 'rxjs';
import type { Batch } from '../model/batch.js';
import type { Discovery } from '../discovery/types.js';
import { ConfigError, type ConfigIssue } from '../config/errors.js';
import { componentType, type LumenConfig } from '../config/schema.js';
import type { ConfigSource } from '../config/source.js';
import { VERSION } from '../version.js';
import type { Signal } from '../component/contract.js';
import type { ContextDeps } from '../component/context.js';
import type { FactoryRegistry } from '../component/registry.js';
import { LumenError } from '../errors/lumen-error.js';
import { InternalMetrics } from '../telemetry/internal-metrics.js';
import { registerProcessMetrics } from '../telemetry/process-metrics.js';
import { startCpuPriority } from './cpu-priority.js';
import type { Logger } from '../telemetry/logger.js';
import type { SelfTelemetry } from '../telemetry/self-telemetry.js';
import { ENGINE_METRICS as M } from '../telemetry/engine-metrics.js';
import { parseDuration } from '../config/duration.js';
import { exporterDeadline } from './deadline.js';
import { buildGraph, type Graph, type ReceiverNode } from './build.js';
import { fanOut } from './fanout.js';
import { settleAll, startAll, StartError } from './lifecycle.js';

export { StartError } from './lifecycle.js';

export type DiscoveryFactory = (config: Record<string, unknown>, deps: { logger: Logger; telemetry: SelfTelemetry; hostName: string }) => Discovery;

export interface EngineOptions {
  readonly registry: FactoryRegistry;
  readonly logger: Logger;
  readonly metrics?: InternalMetrics;
  readonly hostName?: string;
  /** Positions for construction and start errors. */
  readonly source?: ConfigSource;
  /** Builds the shared discovery, once, when a component of the graph declares `usesDiscovery`. */
  readonly createDiscovery?: DiscoveryFactory;
  /** Subjects to use as the taps (the library API passes its own so subscriptions made before start count). */
  readonly received$?: Subject<ReceivedBatch>;
  readonly processed$?: Subject<ProcessedBatch>;
  /**
   * Apply service.cpu_priority to every thread of this process (`lumen run` does: the process is the agent's).
   * Off by default: an agent embedded in a program leaves its host's threads alone.
   */
  readonly cpuPriority?: boolean;
}

export interface ReceivedBatch {
  readonly receiver: string;
  readonly batch: Batch;
}

export interface ProcessedBatch {
  readonly pipeline: string;
  readonly signal: Signal;
  readonly batch: Batch;
}

export type EngineState = 'created' | 'starting' | 'running' | 'stopping' | 'stopped';

/**
 * The running graph (built by build.ts): receivers → fan-out (fanout.ts) → bounded queue per pipeline →
 * processors (per pipeline) → shared exporters. Start: exporters, pipelines, discovery, receivers. Stop:
 * receivers, drain queues and processors, exporters (forceFlush + shutdown), discovery.
 */
export class Engine {
  /** Every batch a receiver emits, before any processor (read-only: do not keep or mutate). */
  readonly received$: Subject<ReceivedBatch>;
  /** Every batch a pipeline hands to its exporters, after its processors (read-only). */
  readonly processed$: Subject<ProcessedBatch>;
  readonly metrics: InternalMetrics;
  private graph: Graph = { exporters: new Map(), pipelines: [], receivers: [], issues: [] };
  private readonly subscriptions: Subscription[] = [];
  /** The shared discovery service: created with the graph when a component declares it uses it, started once. */
  private discovery?: Discovery;
  private stopProcessMetrics?: () => void;
  private stopCpuPriority?: () => void;
  private phase: EngineState = 'created';
  private stopping?: Promise<void>;
  private receiversLeft = 0;
  private allReceiversDone!: () => void;
  /** Resolves when every receiver's output has completed (e.g. a replay file read to the end). */
  readonly receiversDone = new Promise<void>((resolve) => (this.allReceiversDone = resolve));

  private constructor(private readonly config: LumenConfig, private readonly opts: EngineOptions) {
    this.metrics = opts.metrics ?? new InternalMetrics();
    this.received$ = opts.received$ ?? new Subject<ReceivedBatch>();
    this.processed$ = opts.processed$ ?? new Subject<ProcessedBatch>();
  }

  get state(): EngineState {
    return this.phase;
  }

  /** Creates every component the pipelines use; a factory that throws is a ConfigError (stage 'construction'). */
  static async create(config: LumenConfig, opts: EngineOptions): Promise<Engine> {
    const engine = new Engine(config, opts);
    const issues = engine.construct();
    if (issues.length) {
      await engine.releaseAll();
      throw new ConfigError('construction', issues);
    }
    return engine;
  }

  async start(): Promise<void> {
    if (this.phase !== 'created') throw new StartError(`the agent cannot start: it is ${this.phase}`);
    this.phase = 'starting';
    const log = this.opts.logger;
    const { exporters, pipelines, receivers } = this.graph;
    const source = this.opts.source;
    this.stopProcessMetrics = registerProcessMetrics(this.metrics);
    try {
      await startAll([...exporters].map(([id, e]) => [['exporters', id], () => e.start()]), source);
      for (const p of pipelines) p.connect();
      for (const r of receivers) this.subscribe(r);
      const discovery = this.discovery;
      if (discovery) await startAll([[['discovery'], () => discovery.start()]], source);
      await startAll(receivers.map((r) => [['receivers', r.id], () => r.receiver.start()]), source);
    } catch (e) {
      // The caller reports the error itself (the CLI prints it once): the log only says what happens next.
      log.error('start failed, stopping what started');
      await this.stop();
      throw e;
    }
    this.phase = 'running';
    if (this.opts.cpuPriority) this.stopCpuPriority = startCpuPriority(this.config.service.cpu_priority, log, this.metrics);
    if (this.receiversLeft === 0) this.allReceiversDone();
    log.info('lumen started', {
      version: VERSION,
      pipelines: pipelines.map((p) => p.name),
      receivers: receivers.map((r) => r.id),
      exporters: [...exporters.keys()],
    });
  }

  /** Graceful stop; safe twice and before start(). Never throws: component failures are logged. */
  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  private construct(): ConfigIssue[] {
    const { config, opts } = this;
    const hostName = opts.hostName ?? hostname();
    const published = config.service.telemetry.metrics.enabled ? this.metrics : { collect: () => [] };
    this.metrics.scoped({ version: VERSION }).gauge(M.buildInfo[0], M.buildInfo[1], () => 1);
    const issues: ConfigIssue[] = [];
    if (this.usesDiscovery()) {
      try {
        this.discovery = this.createDiscovery(hostName);
      } catch (e) {
        const path = ['discovery'];
        issues.push({ severity: 'error', stage: 'construction', file: opts.source?.file ?? '', position: opts.source?.position(path, 'key'), path, message: `cannot be created: ${(e as Error).message}` });
      }
    }
    const deps: ContextDeps = { logger: opts.logger, metrics: this.metrics, hostName, discovery: () => this.discoveryFor(), published };
    const onProcessed = (pipeline: string, signal: Signal, batch: Batch) => {
      if (this.processed$.observed) this.processed$.next({ pipeline, signal, batch });
    };
    this.graph = buildGraph(config, { registry: opts.registry, logger: opts.logger, metrics: this.metrics, source: opts.source, deps, onProcessed });
    return [...issues, ...this.graph.issues];
  }

  /** True when a component the pipelines use declares that it uses the shared discovery. */
  private usesDiscovery(): boolean {
    const { registry } = this.opts;
    return Object.values(this.config.service.pipelines).some((p) =>
      p.receivers.some((id) => registry.get('receiver', componentType(id))?.usesDiscovery)
      || p.processors.some((id) => registry.get('processor', componentType(id))?.usesDiscovery)
      || p.exporters.some((id) => registry.get('exporter', componentType(id))?.usesDiscovery));
  }

  private createDiscovery(hostName: string): Discovery {
    const make = this.opts.createDiscovery;
    if (!make) throw new LumenError('LUMEN_DISCOVERY_UNAVAILABLE', 'no discovery is available in this agent (createDiscovery was not provided)');
    return make(this.config.discovery as Record<string, unknown>, {
      logger: this.opts.logger.child({ component: 'discovery' }),
      telemetry: this.metrics.forComponent('discovery'),
      hostName,
    });
  }

  /** What ctx.discovery() returns: the service created with the graph, for components that declared using it. */
  private discoveryFor(): Discovery {
    if (!this.discovery) {
      throw new LumenError('LUMEN_DISCOVERY_UNAVAILABLE', 'this component did not declare `usesDiscovery: true` on its factory, so the agent did not create the shared discovery');
    }
    return this.discovery;
  }

  private subscribe(node: ReceiverNode): void {
    const received = this.metrics.forComponent(node.id).counter(M.receiverReceived[0], M.receiverReceived[1]);
    const errors = this.metrics.forComponent(node.id).counter(M.receiverErrors[0], M.receiverErrors[1]);
    const routes = node.routes;
    this.receiversLeft++;
    const done = () => {
      if (--this.receiversLeft === 0 && this.phase !== 'starting') this.allReceiversDone();
    };
    this.subscriptions.push(node.receiver.output.subscribe({
      next: (batch) => {
        received.add(batch.items.length);
        if (this.received$.observed) this.received$.next({ receiver: node.id, batch });
        fanOut(batch, routes, node.id);
      },
      error: (err: unknown) => {
        errors.add();
        this.opts.logger.error('receiver output failed; this receiver stops producing', { component: node.id, err: String((err as Error)?.message ?? err) });
        done();
      },
      complete: done,
    }));
  }

  private async stopAll(): Promise<void> {
    const log = this.opts.logger;
    const { exporters, pipelines, receivers } = this.graph;
    const wasRunning = this.phase !== 'created';
    this.phase = 'stopping';
    this.stopCpuPriority?.();  // the last batches and the exporters' flush at the normal priority
    const deadline = exporterDeadline(Date.now(), parseDuration(this.config.service.shutdown_timeout));
    await settleAll('receiver shutdown', receivers.map((r) => [r.id, () => r.receiver.shutdown()]), log);
    for (const s of this.subscriptions) s.unsubscribe();
    if (wasRunning) await Promise.all(pipelines.map((p) => p.close()));
    else for (const p of pipelines) p.abort();
    // Exporters give up on what they cannot deliver by the deadline (and count it), so the stop ends within
    // shutdown_timeout; one that ignores it makes the stop overrun, which `lumen run` reports (exit 1).
    if (wasRunning) await settleAll('exporter flush', [...exporters].map(([id, e]) => [id, () => e.forceFlush(deadline)]), log);
    await settleAll('exporter shutdown', [...exporters].map(([id, e]) => [id, () => e.shutdown(deadline)]), log);
    const discovery = this.discovery;
    if (discovery) await settleAll('discovery shutdown', [['discovery', () => discovery.shutdown()]], log);
    this.stopProcessMetrics?.();
    this.received$.complete();
    this.processed$.complete();
    this.allReceiversDone();
    this.phase = 'stopped';
    if (wasRunning) log.info('lumen stopped');
  }

  /** After a failed construction: shut down whatever was created (shutdown is safe without start). */
  private async releaseAll(): Promise<void> {
    this.phase = 'created';
    await this.stop();
  }
}

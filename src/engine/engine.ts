import { hostname } from 'node:os';
import { Subject, type Subscription } from 'rxjs';
import type { Batch } from '../model/batch.js';
import type { Discovery } from '../discovery/types.js';
import { ConfigError, type ConfigIssue, type PathSegment } from '../config/errors.js';
import { componentType, pipelineSignal, type LumenConfig } from '../config/schema.js';
import type { ConfigSource } from '../config/source.js';
import { VERSION } from '../version.js';
import type { Exporter, Receiver, Signal } from '../component/contract.js';
import { componentContext, processorContext, type ContextDeps } from '../component/context.js';
import { cloneBatch, cloneSpan, cloneSpanNameAndRoute } from '../model/clone.js';
import { InternalMetrics } from '../telemetry/internal-metrics.js';
import { registerProcessMetrics } from '../telemetry/process-metrics.js';
import type { Logger } from '../telemetry/logger.js';
import { parseDuration } from '../config/duration.js';
import { exporterDeadline } from './deadline.js';
import { Pipeline, type PipelineProcessor } from './pipeline.js';
import type { FactoryRegistry } from '../component/registry.js';
import { ENGINE_METRICS as M } from '../telemetry/engine-metrics.js';
import { LumenError } from '../errors/lumen-error.js';
import { settleAll, startAll, StartError } from './lifecycle.js';

export { StartError } from './lifecycle.js';

export type DiscoveryFactory = (config: Record<string, unknown>, deps: { logger: Logger; telemetry: ReturnType<InternalMetrics['forComponent']>; hostName: string }) => Discovery;

export interface EngineOptions {
  readonly registry: FactoryRegistry;
  readonly logger: Logger;
  readonly metrics?: InternalMetrics;
  readonly hostName?: string;
  /** Positions for construction and start errors. */
  readonly source?: ConfigSource;
  /** Builds the shared discovery when a component first calls ctx.discovery(). */
  readonly createDiscovery?: DiscoveryFactory;
  /** Subjects to use as the taps (the library API passes its own so subscriptions made before start count). */
  readonly received$?: Subject<ReceivedBatch>;
  readonly processed$?: Subject<ProcessedBatch>;
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

interface ReceiverNode {
  readonly id: string;
  readonly receiver: Receiver;
  readonly targets: Pipeline[];
  subscription?: Subscription;
}

export type EngineState = 'created' | 'starting' | 'running' | 'stopping' | 'stopped';

/**
 * The running graph: receivers → (clone on fan-out) → bounded queue per pipeline → processors (per pipeline)
 * → shared exporters. Start: exporters, pipelines, discovery, receivers. Stop: receivers, drain queues and
 * processors, exporters (forceFlush + shutdown), discovery.
 */
export class Engine {
  /** Every batch a receiver emits, before any processor (read-only: do not keep or mutate). */
  readonly received$: Subject<ReceivedBatch>;
  /** Every batch a pipeline hands to its exporters, after its processors (read-only). */
  readonly processed$: Subject<ProcessedBatch>;
  readonly metrics: InternalMetrics;
  private readonly exporters = new Map<string, Exporter>();
  private readonly receivers: ReceiverNode[] = [];
  private readonly pipelines: Pipeline[] = [];
  /** Pipelines whose processors all declare writing only span names and http.route (or that have none). */
  private readonly writesNameAndRouteOnly = new Set<string>();
  private discoveryInstance?: Discovery;
  private stopProcessMetrics?: () => void;
  private discoveryStart?: Promise<void>;
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
    this.stopProcessMetrics = registerProcessMetrics(this.metrics);
    try {
      await startAll([...this.exporters].map(([id, e]) => [['exporters', id], () => e.start()]), this.opts.source);
      for (const p of this.pipelines) p.connect();
      for (const r of this.receivers) this.subscribe(r);
      if (this.discoveryInstance) await this.startDiscovery();
      await startAll(this.receivers.map((r) => [['receivers', r.id], () => r.receiver.start()]), this.opts.source);
      if (this.discoveryInstance) await this.startDiscovery();
    } catch (e) {
      // The caller reports the error itself (the CLI prints it once): the log only says what happens next.
      log.error('start failed, stopping what started');
      await this.stop();
      throw e;
    }
    this.phase = 'running';
    if (this.receiversLeft === 0) this.allReceiversDone();
    log.info('lumen started', {
      version: VERSION,
      pipelines: this.pipelines.map((p) => p.name),
      receivers: this.receivers.map((r) => r.id),
      exporters: [...this.exporters.keys()],
    });
  }

  /** Graceful stop; safe twice and before start(). Never throws: component failures are logged. */
  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  private construct(): ConfigIssue[] {
    const { config, opts } = this;
    const issues: ConfigIssue[] = [];
    const hostName = opts.hostName ?? hostname();
    const published = config.service.telemetry.metrics.enabled ? this.metrics : { collect: () => [] };
    const deps: ContextDeps = { logger: opts.logger, metrics: this.metrics, hostName, discovery: () => this.discovery(), published };
    this.metrics.scoped({ version: VERSION }).gauge(M.buildInfo[0], M.buildInfo[1], () => 1);
    const attempt = <T>(path: PathSegment[], make: () => T): T | undefined => {
      try {
        return make();
      } catch (e) {
        issues.push({ severity: 'error', stage: 'construction', file: opts.source?.file ?? '', position: opts.source?.position(path, 'key'), path, message: `cannot be created: ${(e as Error).message}` });
        return undefined;
      }
    };
    const pipelines = Object.entries(config.service.pipelines);
    for (const id of new Set(pipelines.flatMap(([, p]) => p.exporters))) {
      const factory = opts.registry.get('exporter', componentType(id))!;
      const exporter = attempt(['exporters', id], () => factory.create(config.exporters[id], componentContext(id, deps)));
      if (exporter) this.exporters.set(id, exporter);
    }
    for (const [name, p] of pipelines) {
      const signal = pipelineSignal(name);
      const processors: PipelineProcessor[] = [];
      let nameAndRoute = true;
      for (const id of p.processors) {
        const factory = opts.registry.get('processor', componentType(id))!;
        if (!factory.spanWrites?.every((f) => f === 'name' || f === 'http.route')) nameAndRoute = false;
        const operator = attempt(['processors', id], () => factory.create(config.processors[id], processorContext(id, name, signal, deps)));
        if (operator) processors.push({ id, operator });
      }
      const exporters = p.exporters.filter((id) => this.exporters.has(id)).map((id) => ({ id, exporter: this.exporters.get(id)! }));
      if (nameAndRoute) this.writesNameAndRouteOnly.add(name);
      this.pipelines.push(new Pipeline({
        name, signal, processors, exporters, queueSize: config.service.queue_size, metrics: this.metrics,
        logger: opts.logger.child({ pipeline: name }),
        onProcessed: (pipeline, sig, batch) => {
          if (this.processed$.observed) this.processed$.next({ pipeline, signal: sig, batch });
        },
      }));
    }
    for (const id of new Set(pipelines.flatMap(([, p]) => p.receivers))) {
      const factory = opts.registry.get('receiver', componentType(id))!;
      const receiver = attempt(['receivers', id], () => factory.create(config.receivers[id], componentContext(id, deps)));
      if (!receiver) continue;
      const targets = this.pipelines.filter((pl) => config.service.pipelines[pl.name]!.receivers.includes(id));
      for (const t of targets) t.addSource(id);
      this.receivers.push({ id, receiver, targets });
    }
    return issues;
  }

  private discovery(): Discovery {
    if (!this.discoveryInstance) {
      const make = this.opts.createDiscovery;
      if (!make) throw new LumenError('LUMEN_DISCOVERY_UNAVAILABLE', 'no discovery is available in this agent (createDiscovery was not provided)');
      this.discoveryInstance = make(this.config.discovery as Record<string, unknown>, {
        logger: this.opts.logger.child({ component: 'discovery' }),
        telemetry: this.metrics.forComponent('discovery'),
        hostName: this.opts.hostName ?? hostname(),
      });
    }
    return this.discoveryInstance;
  }

  private startDiscovery(): Promise<void> {
    this.discoveryStart ??= startAll([[['discovery'], () => this.discoveryInstance!.start()]], this.opts.source);
    return this.discoveryStart;
  }

  private subscribe(node: ReceiverNode): void {
    const received = this.metrics.forComponent(node.id).counter(M.receiverReceived[0], M.receiverReceived[1]);
    const errors = this.metrics.forComponent(node.id).counter(M.receiverErrors[0], M.receiverErrors[1]);
    const targets = node.targets;
    this.receiversLeft++;
    const done = () => {
      if (--this.receiversLeft === 0 && this.phase !== 'starting') this.allReceiversDone();
    };
    node.subscription = node.receiver.output.subscribe({
      next: (batch) => {
        received.add(batch.items.length);
        if (this.received$.observed) this.received$.next({ receiver: node.id, batch });
        this.route(batch, targets, node.id);
      },
      error: (err: unknown) => {
        errors.add();
        this.opts.logger.error('receiver output failed; this receiver stops producing', { component: node.id, err: String((err as Error)?.message ?? err) });
        done();
      },
      complete: done,
    });
  }

  /**
   * Fan-out: the first pipeline with processors gets the original batch; other pipelines with processors get their
   * own clone; pipelines without processors (exporters only read) share one more clone, or the original if no
   * processor can touch it.
   */
  private route(batch: Batch, targets: readonly Pipeline[], receiver: string): void {
    let originalTaken = false;
    let shared: Batch | undefined;
    const mutating = (p: Pipeline) => this.config.service.pipelines[p.name]!.processors.length > 0;
    const anyMutating = targets.some((p) => p.accepts(batch.kind) && mutating(p));
    // Copies may share a span's connection, trace and attributes only if no pipeline of this batch writes them.
    const copy = targets.every((p) => !p.accepts(batch.kind) || this.writesNameAndRouteOnly.has(p.name)) ? cloneSpanNameAndRoute : cloneSpan;
    for (const p of targets) {
      if (!p.accepts(batch.kind)) continue;
      if (mutating(p)) {
        p.push(originalTaken ? cloneBatch(batch, copy) : batch, receiver);
        originalTaken = true;
      } else {
        shared ??= anyMutating ? cloneBatch(batch, copy) : batch;
        p.push(shared, receiver);
      }
    }
  }

  private async stopAll(): Promise<void> {
    const log = this.opts.logger;
    const wasRunning = this.phase !== 'created';
    this.phase = 'stopping';
    const deadline = exporterDeadline(Date.now(), parseDuration(this.config.service.shutdown_timeout));
    const settle = (what: string, tasks: [string, () => Promise<void>][]) => settleAll(what, tasks, log);
    await settle('receiver shutdown', this.receivers.map((r) => [r.id, () => r.receiver.shutdown()]));
    for (const r of this.receivers) r.subscription?.unsubscribe();
    if (wasRunning) await Promise.all(this.pipelines.map((p) => p.close()));
    else for (const p of this.pipelines) p.abort();
    // Exporters give up on what they cannot deliver by the deadline (and count it), so the stop ends within
    // shutdown_timeout; one that ignores it makes the stop overrun, which `lumen run` reports (exit 1).
    if (wasRunning) await settle('exporter flush', [...this.exporters].map(([id, e]) => [id, () => e.forceFlush(deadline)]));
    await settle('exporter shutdown', [...this.exporters].map(([id, e]) => [id, () => e.shutdown(deadline)]));
    if (this.discoveryInstance) await settle('discovery shutdown', [['discovery', () => this.discoveryInstance!.shutdown()]]);
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

import { Subject, type Observable, type Subscription, retry, tap, timer } from 'rxjs';
import type { Batch } from '../model/batch.js';
import type { Exporter, Signal } from '../component/contract.js';
import type { Counter } from '../telemetry/self-telemetry.js';
import type { InternalMetrics } from '../telemetry/internal-metrics.js';
import type { Logger } from '../telemetry/logger.js';
import { rateLimitedLog } from '../telemetry/rate-limited-log.js';
import { BoundedQueue } from './queue.js';
import { ENGINE_METRICS as M } from '../telemetry/engine-metrics.js';
import { AGGREGATED_SIGNALS, type MetricsGroup } from './metrics-stage.js';

/** Which batch kinds each pipeline signal carries (a receiver's other kinds are not sent to it). */
export const SIGNAL_KINDS: Readonly<Record<Signal, readonly Batch['kind'][]>> = {
  traces: ['spans'],
  metrics: ['spans', 'measurements'],
  flows: ['flows'],
};

export interface PipelineProcessor {
  readonly id: string;
  readonly operator: (source: Observable<Batch>) => Observable<Batch>;
}

export interface PipelineExporter {
  readonly id: string;
  readonly exporter: Exporter;
}

export interface PipelineOptions {
  readonly name: string;
  readonly signal: Signal;
  readonly processors: readonly PipelineProcessor[];
  readonly exporters: readonly PipelineExporter[];
  /** Exporter id → the shared aggregator the metrics stage feeds for it (metrics-stage.ts); others get consume(). */
  readonly metricsGroups?: ReadonlyMap<string, MetricsGroup>;
  readonly queueSize: number;
  readonly metrics: InternalMetrics;
  readonly logger: Logger;
  /** Called with every processed batch before the exporters see it (the library's tap). */
  readonly onProcessed?: (pipeline: string, signal: Signal, batch: Batch) => void;
}

/**
 * One `service.pipelines` entry: bounded input queue → its own processor instances → shared exporters.
 * A processor error restarts the chain (counted, logged); an exporter error never stops the pipeline.
 */
export class Pipeline {
  readonly name: string;
  readonly signal: Signal;
  readonly queue: BoundedQueue;
  private readonly input = new Subject<Batch>();
  private readonly drops = new Map<string, Counter>();
  private readonly dropAny: (receiver: string) => Counter;
  private subscription?: Subscription;
  private finished!: () => void;
  /** Resolves when the processed stream completed after close() (stateful processors have flushed). */
  readonly done = new Promise<void>((resolve) => (this.finished = resolve));

  constructor(private readonly opts: PipelineOptions) {
    this.name = opts.name;
    this.signal = opts.signal;
    const scoped = opts.metrics.scoped({ pipeline: opts.name });
    this.queue = new BoundedQueue(opts.queueSize, (b) => this.deliver(b), () => {});
    scoped.gauge(M.queueItems[0], M.queueItems[1], () => this.queue.size);
    scoped.gauge(M.queueCapacity[0], M.queueCapacity[1], () => this.queue.capacity);
    this.dropAny = (receiver) => {
      let c = this.drops.get(receiver);
      if (!c) {
        c = opts.metrics.forComponent(receiver, { pipeline: opts.name }).counter(M.queueDropped[0], M.queueDropped[1]);
        this.drops.set(receiver, c);
      }
      return c;
    };
  }

  accepts(kind: Batch['kind']): boolean {
    return SIGNAL_KINDS[this.signal].includes(kind);
  }

  /** Registers a receiver feeding this pipeline (so its drop counter exists at 0 from the start). */
  addSource(receiver: string): void {
    this.dropAny(receiver);
  }

  /** Queues a batch from `receiver`; counts and drops it when the queue is full. */
  push(batch: Batch, receiver: string): void {
    if (!this.queue.push(batch)) this.dropAny(receiver).add(batch.items.length);
  }

  /** Subscribes the processor chain and the exporter fan-out. */
  connect(): void {
    if (this.subscription) return;
    const { metrics, logger, name, signal } = this.opts;
    const warn = rateLimitedLog(logger, 10_000);
    const errors = metrics.scoped({ pipeline: name }).counter(M.pipelineErrors[0], M.pipelineErrors[1]);
    let stream: Observable<Batch> = this.input;
    for (const p of this.opts.processors) {
      const t = metrics.forComponent(p.id, { pipeline: name });
      const incoming = t.counter(M.processorIncoming[0], M.processorIncoming[1]);
      const outgoing = t.counter(M.processorOutgoing[0], M.processorOutgoing[1]);
      const upstream = stream.pipe(tap((b) => incoming.add(b.items.length)));
      stream = p.operator(upstream).pipe(tap((b) => outgoing.add(b.items.length)));
    }
    const all = this.opts.exporters.map((e) => {
      const t = metrics.forComponent(e.id, { pipeline: name });
      return { ...e, accepted: t.counter(M.exporterAccepted[0], M.exporterAccepted[1]), failed: t.counter(M.exporterFailed[0], M.exporterFailed[1]) };
    });
    // The metrics stage: each shared aggregator consumes a batch once, for all the exporters that render it.
    const groupOf = AGGREGATED_SIGNALS.includes(signal) ? this.opts.metricsGroups : undefined;
    const sinks = all.filter((s) => groupOf?.get(s.id) === undefined);
    const stages = [...new Set(all.map((s) => groupOf?.get(s.id)).filter((g) => g !== undefined))]
      .map((group) => ({ group, members: all.filter((s) => groupOf!.get(s.id) === group) }));
    const onProcessed = this.opts.onProcessed;
    this.subscription = stream
      .pipe(
        retry({
          delay: (err: unknown) => {
            errors.add();
            warn('error', 'processor', 'a processor failed; the pipeline restarts and the batch in flight is lost', { pipeline: name, err: String((err as Error)?.message ?? err) });
            return timer(0);
          },
        }),
      )
      .subscribe({
        next: (batch) => {
          const n = batch.items.length;
          if (n === 0) return;
          onProcessed?.(name, signal, batch);
          for (const { group, members } of stages) {
            try {
              group.aggregator.consume(batch);
              for (const s of members) {
                s.exporter.metrics!.aggregated(signal);
                s.accepted.add(n);
              }
            } catch (err) {
              for (const s of members) s.failed.add(n);
              warn('warn', group.members.join(','), 'metrics stage failed to aggregate a batch', { exporters: group.members.join(','), pipeline: name, items: n, err: String((err as Error)?.message ?? err) });
            }
          }
          for (const s of sinks) {
            try {
              s.exporter.consume(batch, signal);
              s.accepted.add(n);
            } catch (err) {
              s.failed.add(n);
              warn('warn', s.id, 'exporter failed to accept a batch', { component: s.id, pipeline: name, items: n, err: String((err as Error)?.message ?? err) });
            }
          }
        },
        complete: () => this.finished(),
        error: () => this.finished(),
      });
  }

  /** Delivers what is queued, completes the input so stateful processors flush, waits for that. */
  async close(): Promise<void> {
    this.queue.close();
    this.input.complete();
    if (!this.subscription) this.finished();
    await this.done;
  }

  /** Stops without flushing (after a failed start). */
  abort(): void {
    this.subscription?.unsubscribe();
    this.finished();
  }

  private deliver(batch: Batch): void {
    if (!this.input.observed) {
      // Between a processor failure and the restart: nothing is subscribed; count it rather than lose it silently.
      this.dropAny('pipeline').add(batch.items.length);
      return;
    }
    this.input.next(batch);
  }
}

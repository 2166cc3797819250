import type { Observable, OperatorFunction } from 'rxjs';
import type { Batch } from '../model/batch.js';
import type { Logger } from '../telemetry/logger.js';
import type { InternalMetricsSource, SelfTelemetry } from '../telemetry/self-telemetry.js';
import type { Discovery } from './discovery.js';
import type { KernelNeeds } from '../bpf/features/needs.js';
import type { MetricAggregator } from '../metrics/aggregator.js';

/**
 * The component contract, modelled on the OpenTelemetry Collector's factories.
 * Every receiver, processor and exporter folder exports one factory from its index.ts.
 */
export type Signal = 'traces' | 'metrics' | 'flows';
export type ComponentKind = 'receiver' | 'processor' | 'exporter';

/** A JSON schema (draft-07, as ajv takes it). Declares defaults; the single source for validation and docs. */
export type JsonSchema = Record<string, unknown>;

export interface ComponentContext {
  /** The component id as written in the config: `type` or `type/name`. */
  readonly id: string;
  readonly logger: Logger;
  /** Internal lumen_* metrics, already labelled with this component's id. */
  readonly telemetry: SelfTelemetry;
  /** All of the agent's internal metrics (every component's), for exporters to publish. */
  readonly internalMetrics: InternalMetricsSource;
  /** Host name used for service.instance.id and host.name. */
  readonly hostName: string;
  /** The shared process discovery (the `discovery:` config section); only for factories declaring `usesDiscovery`. */
  discovery(): Discovery;
  /** A receiver's: the pipelines it feeds, so it can leave out work none of them needs (e.g. sample in the kernel). */
  readonly consumers?: readonly ConsumerPipeline[];
}

/**
 * Head sampling as a rule a receiver can reproduce at the source: roots (and, unless parentBased, every span) are
 * kept when their trace id's position (the last 8 bytes as a fraction of 2^64) is below rootRatio; with
 * parentBased, a span with a parent follows its sampled flag.
 */
export interface HeadSamplingRule {
  readonly parentBased: boolean;
  readonly rootRatio: number;
}

/** A pipeline as one of its receivers sees it. */
export interface ConsumerPipeline {
  readonly name: string;
  readonly signal: Signal;
  /**
   * The pipeline's first processor that samples (ProcessorFactory.headSampling), when every processor before it
   * leaves trace ids and flags alone (declares spanWrites): a receiver may then drop what it would drop, earlier.
   * Undefined: no such step, or one a receiver cannot reproduce.
   */
  readonly headSampling?: HeadSamplingRule;
  /** In order: each processor's id, type and decoded config (kernel aggregation checks it can reproduce them). */
  readonly processors?: readonly { readonly id: string; readonly type: string; readonly config: unknown }[];
  /** Each exporter's id, and the metrics stage's aggregator that renders it (absent: it consumes batches itself). */
  readonly exporters?: readonly { readonly id: string; readonly aggregator?: MetricAggregator }[];
}

export interface ProcessorContext extends ComponentContext {
  /** Processors are instantiated per pipeline; this is that pipeline's signal. */
  readonly signal: Signal;
}

/** A semantic problem in a component's config, found by its factory's validate(): where (from the config root) and what. */
export interface ConfigProblem {
  /** Path inside the component's config, e.g. ['actions', 2, 'from_attribute']; [] for the whole config. */
  readonly path: readonly (string | number)[];
  /** `<what is wrong>, <what is allowed>`. */
  readonly message: string;
}

interface FactoryBase<C> {
  /** lower_snake_case id used in YAML. */
  readonly type: string;
  readonly signals: readonly Signal[];
  readonly schema: JsonSchema;
  defaultConfig(): C;
  /**
   * It calls ctx.discovery(): the engine then creates the shared discovery (the `discovery:` section) with the
   * graph and starts it once, after the exporters and before the receivers. Undeclared, ctx.discovery() throws.
   */
  readonly usesDiscovery?: boolean;
  /**
   * Checks the schema cannot express (the Collector's `Validate`), run on the decoded config during validation:
   * each problem is reported with its file:line:col like a schema error. Return [] when the config is fine.
   */
  validate?(config: C): readonly ConfigProblem[];
}

export interface Receiver {
  /** Hot stream of batches; the engine subscribes before start(). */
  readonly output: Observable<Batch>;
  start(): Promise<void>;
  /** Stops producing, flushes what is in flight, completes `output`. Safe twice and without start(). */
  shutdown(): Promise<void>;
}

export interface ReceiverFactory<C = unknown> extends FactoryBase<C> {
  readonly kind: 'receiver';
  /** What it needs from the kernel (declared in the receiver's needs.ts); `lumen doctor` checks it. None: nothing. */
  readonly kernelNeeds?: KernelNeeds;
  create(config: C, ctx: ComponentContext): Receiver;
}

/** Span fields a processor may declare as the only ones it writes (ProcessorFactory.spanWrites). */
export type SpanWritableField = 'name' | 'http.route';

export interface ProcessorFactory<C = unknown> extends FactoryBase<C> {
  readonly kind: 'processor';
  /**
   * When declared: the only span fields this processor ever writes (it may still drop spans from a batch's items).
   * When every pipeline a batch fans out to declares this, the engine's copies share the span's connection, trace
   * and attributes objects (only the span and its http object are copied). Undeclared: the processor may write
   * anything in a span it receives.
   */
  readonly spanWrites?: readonly SpanWritableField[];
  /**
   * True (for a config) when the processor writes nothing but what spanWrites declares, its instance in any pipeline
   * would write the same values given the same spans (nothing depends on the pipeline's signal), and a span it already
   * processed keeps what it wrote when processed again. Pipelines that run the same list of such processors (same ids)
   * are then given the same span objects by the engine's fan-out (their own items arrays), not a copy each: the first
   * to process a span decides, the others keep it. State kept across spans (a route budget) then only sees the spans
   * that instance decided — the same unless one pipeline's queue dropped a batch the other processed.
   */
  sharesSpans?(config: C): boolean;
  /**
   * A head sampler: the rule it applies in traces pipelines, which a receiver may apply earlier (the processor then
   * keeps everything the receiver kept: same ids, same rule). Undefined for a config it cannot state as such a rule.
   */
  headSampling?(config: C): HeadSamplingRule | undefined;
  /** A processor is a pure operator; state (e.g. a route trie) lives in the closure. */
  create(config: C, ctx: ProcessorContext): OperatorFunction<Batch, Batch>;
}

export interface Exporter {
  start(): Promise<void>;
  /** Must not block: queue (bounded) or drop-and-count. */
  consume(batch: Batch, signal: Signal): void;
  /**
   * Sends what is buffered. `deadline` (epoch ms, at a stop) is when the call must have resolved: give up on
   * what cannot be delivered by then (keep it queued, or count it dropped at shutdown) rather than wait.
   */
  forceFlush(deadline?: number): Promise<void>;
  /** Flushes and releases resources, by `deadline` when given (see forceFlush). Safe twice and without start(). */
  shutdown(deadline?: number): Promise<void>;
  /** A metrics exporter's series: the engine's metrics stage fills them instead of consume() (src/engine/metrics-stage.ts). */
  readonly metrics?: MetricsSink;
}

/**
 * How a metrics exporter hands the aggregation of its `metrics` and `flows` batches (span metrics, measurements,
 * flows → series) to the engine's metrics stage: exporters whose aggregators have the same options and sit in the
 * same pipelines share one aggregator, which the stage feeds once per batch before the fan-out.
 */
export interface MetricsSink {
  /** The aggregator this exporter renders (its own, or the shared one once share() was called). */
  readonly aggregator: MetricAggregator;
  /** Render `shared` from now on instead of the exporter's own aggregator. */
  share(shared: MetricAggregator): void;
  /** The stage aggregated a batch of `signal` for this exporter (in place of consume). */
  aggregated(signal: Signal): void;
}

export interface ExporterFactory<C = unknown> extends FactoryBase<C> {
  readonly kind: 'exporter';
  create(config: C, ctx: ComponentContext): Exporter;
}

export type AnyFactory = ReceiverFactory<any> | ProcessorFactory<any> | ExporterFactory<any>;

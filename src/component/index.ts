/**
 * The component SDK: the one import face for receivers, processors and exporters. It holds the contract
 * (factories, Receiver, Exporter, contexts), the telemetry a component writes through its context, and the
 * helpers components share (rate-limited logging; in-memory and no-op loggers for tests).
 * Components import the core through this face and `src/model`, `src/bpf`, `src/protocols`, never the engine.
 */
export type {
  AnyFactory, ComponentContext, ConsumerPipeline, HeadSamplingRule, ComponentKind, ConfigProblem, Exporter, ExporterFactory, JsonSchema, ProcessorContext,
  ProcessorFactory, Receiver, ReceiverFactory, Signal, SpanWritableField,
} from './contract.js';
export type { Discovery, DiscoveryEvent, InstrumentedProcess } from './discovery.js';
export type { KernelNeed, KernelNeeds } from '../bpf/features/needs.js';
export type { Logger } from '../telemetry/logger.js';
export type { Counter, InternalMetricPoint, InternalMetricsSource, SelfTelemetry } from '../telemetry/self-telemetry.js';
export { rateLimitedLog } from '../telemetry/rate-limited-log.js';
export { noopLogger, createMemoryLogger, type LogEntry } from '../telemetry/memory-logger.js';
export { componentContext, processorContext, type ContextDeps } from './context.js';
export { FactoryRegistry } from './registry.js';
export { LumenError, type ErrorCode, type ErrorPath } from '../errors/index.js';

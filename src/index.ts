/**
 * Lumen as a library: `import { createAgent } from 'lumen'`.
 *
 * createAgent() validates a configuration (object or YAML, the pipelines.yaml shape) and returns an Agent;
 * start() builds and starts the components, stop() stops them gracefully. Taps (spans$, received$, processed$)
 * expose the data flowing through. No process.exit, no signal handlers (unless handleSignals: true), logs on
 * stderr (or your logger), nothing on stdout unless a print_traces exporter is configured.
 */
export { createAgent, validateAgentConfig, installSignalHandlers } from './agent.js';
export type { Agent, AgentOptions, SpanTap, ValidationReport } from './agent.js';
export type { ReceivedBatch, ProcessedBatch, EngineState } from './pipeline/engine.js';
export { StartError } from './pipeline/engine.js';

// Configuration
export { ConfigError, formatIssue } from './config/errors.js';
export type { ConfigIssue, Position, Stage } from './config/errors.js';
export type { LumenConfig, PipelineConfig, ServiceConfig } from './config/schema.js';
export type { StageReport } from './config/validate.js';
export { parseDuration, formatDuration } from './config/duration.js';
export { parsePortRanges, portInRanges } from './config/port-ranges.js';
export type { PortRange } from './config/port-ranges.js';
export { createAjv } from './config/ajv.js';

// Component contract, for custom receivers, processors and exporters
export type {
  AnyFactory, ComponentContext, ComponentKind, Exporter, ExporterFactory, JsonSchema, ProcessorContext,
  ProcessorFactory, Receiver, ReceiverFactory, Signal,
} from './pipeline/component.js';
export type { Logger } from './pipeline/logger.js';
export type { Counter, InternalMetricPoint, InternalMetricsSource, SelfTelemetry } from './pipeline/self-telemetry.js';
export { createLogger, type LoggerOptions, type LogLevel, type LogFormat } from './pipeline/pino-logger.js';
export { noopLogger, createMemoryLogger, type LogEntry } from './pipeline/memory-logger.js';
export { BUILTIN_FACTORIES } from './pipeline/builtins.js';
export { FactoryRegistry } from './pipeline/registry.js';
export { cloneBatch, cloneSpan } from './pipeline/clone.js';
export { ENGINE_METRICS } from './pipeline/telemetry-names.js';

// Data model
export * from './model/index.js';
export { spanToJson, spanToJsonLine, spanFromJson, serviceInterner, spanJsonSchema } from './model/span-json.js';
export type { SpanJson, ServiceJson } from './model/span-json.js';
export { flowToJson, type FlowJson } from './model/flow-json.js';
export type { Discovery, DiscoveryEvent, InstrumentedProcess } from './discovery/types.js';

export { VERSION } from './version.js';

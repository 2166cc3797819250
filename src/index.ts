/**
 * The core's library face: everything an embedding program or a custom component needs, without any built-in
 * component. `import { createAgent } from 'lumen'` resolves to distribution/index.ts, which re-exports this
 * and adds the built-ins (createAgent there defaults its registry to them); here createAgent knows only the
 * factories passed in `registry` and `components`.
 *
 * createAgent() validates a configuration (object or YAML, the pipelines.yaml shape) and returns an Agent;
 * start() builds and starts the components, stop() stops them gracefully. Taps (spans$, received$, processed$)
 * expose the data flowing through. No process.exit, no signal handlers (unless handleSignals: true), logs on
 * stderr (or your logger), nothing on stdout unless a print_traces exporter is configured.
 */
export { createAgent, validateAgentConfig, installSignalHandlers } from './agent.js';
export type { Agent, AgentOptions, SpanTap, ValidationReport } from './agent.js';
export type { ReceivedBatch, ProcessedBatch, EngineState } from './engine/engine.js';
export { StartError } from './engine/engine.js';

// Errors: every code is in src/errors/codes.ts and explained in docs/errors.md
export { LumenError, isLumenError, ERROR_CODES, type ErrorCode, type ErrorPath, type LumenErrorOptions } from './errors/index.js';

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
} from './component/contract.js';
export type { Logger } from './telemetry/logger.js';
export type { Counter, InternalMetricPoint, InternalMetricsSource, SelfTelemetry } from './telemetry/self-telemetry.js';
export { createLogger, type LoggerOptions, type LogLevel, type LogFormat } from './telemetry/pino-logger.js';
export { noopLogger, createMemoryLogger, type LogEntry } from './telemetry/memory-logger.js';
export { FactoryRegistry } from './component/registry.js';
export { cloneBatch, cloneSpan } from './model/clone.js';
export { ENGINE_METRICS } from './telemetry/engine-metrics.js';

// Data model
export * from './model/index.js';
export { spanToJson, spanToJsonLine, spanFromJson, serviceInterner, spanJsonSchema } from './model/span-json.js';
export type { SpanJson, ServiceJson } from './model/span-json.js';
export { flowToJson, type FlowJson } from './model/flow-json.js';
export type { Discovery, DiscoveryEvent, InstrumentedProcess } from './discovery/types.js';

export { VERSION } from './version.js';

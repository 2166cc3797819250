/**
 * Lumen's own telemetry: the logging surface and its implementations (pino on stderr, in-memory, no-op), the
 * agent-wide lumen_* internal metrics registry, the process metrics, and the names of the engine's metrics.
 */
export type { Logger } from './logger.js';
export { createLogger, formatText, LOG_FORMATS, LOG_LEVELS, type LoggerOptions, type LogLevel, type LogFormat } from './pino-logger.js';
export { noopLogger, createMemoryLogger, type LogEntry } from './memory-logger.js';
export { rateLimitedLog } from './rate-limited-log.js';
export type { Counter, InternalMetricPoint, InternalMetricsSource, SelfTelemetry } from './self-telemetry.js';
export { InternalMetrics } from './internal-metrics.js';
export { registerProcessMetrics, PROCESS_METRICS } from './process-metrics.js';
export { ENGINE_METRICS } from './engine-metrics.js';

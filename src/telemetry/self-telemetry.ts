/**
 * Lumen's own metrics (lumen_*), exposed on the Prometheus endpoint and via OTLP.
 * Names are Prometheus-style; `labels` are added to the component label the context already carries.
 */
export interface Counter {
  add(n?: number): void;
}

export interface SelfTelemetry {
  counter(name: string, help: string, labels?: Record<string, string>): Counter;
  /** A gauge read at collection time. */
  gauge(name: string, help: string, read: () => number, labels?: Record<string, string>): void;
}

/** One internal metric value, as exporters render it (Prometheus text, OTLP sum/gauge). */
export interface InternalMetricPoint {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge';
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Read side of the agent-wide internal metrics registry, handed to exporters through their context. */
export interface InternalMetricsSource {
  collect(): InternalMetricPoint[];
}

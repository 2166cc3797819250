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

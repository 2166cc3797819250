import type { Service } from './service.js';

export type InstrumentKind = 'counter' | 'histogram' | 'gauge';

/**
 * A single observation for a metric that is neither derived from spans nor from flows
 * (e.g. lumen.tcp.connect.duration from the network_flow receiver's TCP health probes).
 * Its metric must be declared in src/model/metrics.ts so exporters know unit, buckets and help.
 */
export interface Measurement {
  /** OTel metric name, e.g. "lumen.tcp.failed.connections". */
  metric: string;
  value: number;
  attributes: Record<string, string | number>;
  service?: Service;
  timeUnixNano: bigint;
}

import { duration, enumOf, integer } from '../config/typed-schema.js';

export const RING_BUFFER_SIZES: readonly number[] = Array.from({ length: 15 }, (_, i) => 2 ** (16 + i));

/** Options of every receiver built on the connection machine (kernel_socket, tls_uprobe): sizes and timings. */
export function connectionTracking(connections: string) {
  return {
    /**
     * Kernel ring buffer between the probes and the agent, in bytes (a power of two). 2 MiB: the agent maps the
     * ring's pages twice (libbpf's wrap-around view), so every MiB here is 2 MiB of its RSS once the ring has
     * wrapped; the poll thread empties it into up to 4 MiB of batches waiting for JS (src/bpf ring options), and
     * a quarter-full ring wakes it (bpf/include/lumen_ringbuf.h).
     */
    ring_buffer_size: integer({
      enum: RING_BUFFER_SIZES, default: 2 ** 21,
      description: 'Kernel ring buffer size in bytes, a power of two from 65536 (64 KiB) to 1073741824 (1 GiB).',
    }),
    /** Connections followed at once; beyond it the least recently used is forgotten. */
    max_connections: integer({
      minimum: 256, maximum: 4_194_304, default: 16384,
      description: `${connections} followed at once; beyond it the least recently used is forgotten.`,
    }),
    /** Requests awaiting their response at once, across all connections. */
    max_pending_requests: integer({
      minimum: 64, maximum: 1_048_576, default: 8192,
      description: `Requests awaiting their response at once, across all ${connections}.`,
    }),
    /** A request without a complete response after this long is reported with status 0 and counted (ms). */
    request_timeout: duration({
      positive: true, default: '30s',
      description: 'A request without a complete response after this long is reported with status 0.',
    }),
    /** Longest wait before the ring-buffer consumer delivers what it has (ms). */
    poll_interval: duration({
      positive: true, default: '100ms',
      description: 'Longest wait before the ring-buffer consumer delivers what it has.',
    }),
  };
}

/** Options of the receivers whose connection machine can aggregate RED metrics in the kernel (aggregation-plan.ts). */
export function kernelAggregationOptions(fallbackCounter: string) {
  return {
    /** RED aggregation in the kernel for metrics-only consumers (src/capture/aggregation-plan.ts). */
    kernel_aggregation: enumOf(['auto', 'off'], {
      default: 'auto',
      description: 'auto: when every pipeline this receiver feeds is a metrics pipeline with at most the routes processor and metrics exporters (default labels), finished HTTP/1 requests are aggregated into histograms in the kernel instead of one ring record each, with the same series; otherwise (a traces pipeline, another processor) every request is a span as before. off: always one span per request.',
    }),
    /** Kernel series (and request templates) held at once; requests past it fall back to ring records. */
    kernel_aggregation_series: integer({
      minimum: 1, maximum: 65536, default: 2048,
      description: `Series (process, kind, port, status, request template) the kernel aggregates at once, and templates it remembers; requests of a new one past it are sent as ring records (counted in ${fallbackCounter}).`,
    }),
  };
}

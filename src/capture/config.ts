import type { JsonSchema } from '../component/index.js';

export const RING_BUFFER_SIZES: readonly number[] = Array.from({ length: 15 }, (_, i) => 2 ** (16 + i));

/** Options of every receiver built on the connection machine (kernel_socket, tls_uprobe): sizes and timings. */
export function connectionTrackingProperties(connections: string): Record<string, JsonSchema> {
  return {
    ring_buffer_size: {
      type: 'integer', enum: [...RING_BUFFER_SIZES], default: 2 ** 23,
      description: 'Kernel ring buffer size in bytes, a power of two from 65536 (64 KiB) to 1073741824 (1 GiB).',
    },
    max_connections: {
      type: 'integer', minimum: 256, maximum: 4_194_304, default: 16384,
      description: `${connections} followed at once; beyond it the least recently used is forgotten.`,
    },
    max_pending_requests: {
      type: 'integer', minimum: 64, maximum: 1_048_576, default: 8192,
      description: `Requests awaiting their response at once, across all ${connections}.`,
    },
    request_timeout: {
      type: 'string', format: 'positive-duration', default: '30s',
      description: 'A request without a complete response after this long is reported with status 0.',
    },
    poll_interval: {
      type: 'string', format: 'positive-duration', default: '100ms',
      description: 'Longest wait before the ring-buffer consumer delivers what it has.',
    },
  };
}

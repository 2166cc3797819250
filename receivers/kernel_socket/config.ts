import type { JsonSchema } from '../../src/component/index.js';
import { connectionTrackingProperties } from '../../src/capture/config.js';

/** The `kernel_socket` receiver's configuration, as written in pipelines.yaml. */
export interface KernelSocketConfig {
  /** Application protocols recognised on plain TCP connections. */
  protocols: Array<'http'>;
  /** Bytes kept of each request and response (request line, headers, start of the body). */
  capture_bytes: number;
  /** Kernel ring buffer between the probes and the agent, in bytes (a power of two). */
  ring_buffer_size: number;
  /** TCP connections followed at once (per process and fd); beyond it the least recently used is forgotten. */
  max_connections: number;
  /** Requests in flight at once (awaiting their response) across all connections. */
  max_pending_requests: number;
  /** Connections with either end on these ports are not followed ("22,5432,8000-8999"; absent = none). */
  ignore_ports?: string | number;
  /** A request without response activity for this long is reported with status 0 and counted. */
  request_timeout: string;
  /** How long the ring-buffer consumer waits before delivering what it has (bounds span latency at low rates). */
  poll_interval: string;
}

export const kernelSocketSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    protocols: {
      type: 'array', items: { type: 'string', enum: ['http'] }, minItems: 1, uniqueItems: true, default: ['http'],
      description: 'Protocols recognised on plain TCP: http (HTTP/1.0 and 1.1).',
    },
    capture_bytes: {
      type: 'integer', minimum: 64, maximum: 8192, default: 256,
      description: 'Bytes kept of each request and response (64 to 8192); more than 1024 loads the 8 KiB probe variant.',
    },
    ignore_ports: {
      description: 'Connections with either end on these ports are not followed, e.g. "22,5432,8000-8999".',
      anyOf: [{ type: 'string', format: 'port-ranges' }, { type: 'integer', minimum: 1, maximum: 65535 }],
    },
    ...connectionTrackingProperties('TCP connections'),
  },
};

export function defaultKernelSocketConfig(): KernelSocketConfig {
  return {
    protocols: ['http'], capture_bytes: 256, ring_buffer_size: 2 ** 23, max_connections: 16384,
    max_pending_requests: 8192, request_timeout: '30s', poll_interval: '100ms',
  };
}

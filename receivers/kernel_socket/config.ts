import { componentConfig } from '../../src/config/component-config.js';
import { connectionTracking, kernelAggregationOptions } from '../../src/capture/config.js';
import { databaseOptions } from '../../src/capture/wire-config.js';
import { array, boolean, enumOf, integer, object, portRanges, type Infer } from '../../src/config/typed-schema.js';


/** The `kernel_socket` receiver's configuration, as written in pipelines.yaml. */
export const kernelSocketConfig = object({
  /** Application protocols recognised on plain TCP connections. */
  protocols: array(enumOf(['http', 'http2', 'postgresql', 'mysql', 'redis', 'memcached', 'kafka']), {
    minItems: 1, uniqueItems: true, default: ['http', 'http2', 'postgresql', 'mysql', 'redis', 'memcached', 'kafka'],
    description: 'Protocols recognised on plain TCP, by content: http (HTTP/1.0 and 1.1), http2 (HTTP/2 and gRPC, prior knowledge); database and broker clients: postgresql, mysql (also MariaDB), redis, memcached (text), kafka.',
  }),
  /** Bytes kept of each request and response (request line, headers, start of the body). */
  capture_bytes: integer({
    minimum: 64, maximum: 8192, default: 256,
    description: 'Bytes kept of each request and response (64 to 8192); more than 1024 loads the 8 KiB probe variant.',
  }),
  /** Connections with either end on these ports are not followed ("22,5432,8000-8999"; absent = none), decoded to ranges. */
  ignore_ports: portRanges({ description: 'Connections with either end on these ports are not followed, e.g. "22,5432,8000-8999".' }),
  /** W3C traceparent injection into outgoing HTTP/1 requests (sk_msg); off by default (it changes the bytes sent). */
  context_propagation: enumOf(['disabled', 'headers'], {
    default: 'disabled',
    description: 'headers: insert "traceparent: 00-<trace id>-<client span id>-01" after the request line of every outgoing HTTP/1 request of an instrumented process that has none (cgroup sock_ops + sk_msg), so other hosts continue the trace; disabled (default): requests are never modified.',
  }),
  /** Head sampling in the kernel when the pipelines allow it (receivers/kernel_socket/sampling.ts); false: in user space. */
  kernel_sampling: boolean({
    default: true,
    description: 'true (default): when every pipeline this receiver feeds is a traces pipeline whose first sampling step is a `sampling` processor (only processors like routes before it), the kernel takes that sampler\'s decision per HTTP/1 request and unsampled requests never leave it; false: every request goes to user space and the processor samples there.',
  }),
  ...kernelAggregationOptions('lumen_kernel_socket_aggregation_fallback_total'),
  ...databaseOptions(),
  ...connectionTracking('TCP connections'),
});

export type KernelSocketConfig = Infer<typeof kernelSocketConfig>;
export const { schema: kernelSocketSchema, defaultConfig: defaultKernelSocketConfig } = componentConfig(kernelSocketConfig);

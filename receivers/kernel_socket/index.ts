import type { ReceiverFactory } from '../../src/component/index.js';
import { defaultKernelSocketConfig, kernelSocketSchema, type KernelSocketConfig } from './config.js';
import { KernelSocketReceiver } from './receiver.js';
import { kernelSocketNeeds } from './needs.js';

/**
 * `kernel_socket`: HTTP/1.x server and client spans of every instrumented process, from socket-layer tracepoints
 * (no kprobes). Nothing touches the kernel until start(). Its span batches feed traces pipelines and metrics
 * pipelines alike (RED metrics are computed from spans).
 */
export const kernelSocketReceiverFactory: ReceiverFactory<KernelSocketConfig> = {
  type: 'kernel_socket',
  kind: 'receiver',
  signals: ['traces', 'metrics'],
  schema: kernelSocketSchema,
  defaultConfig: defaultKernelSocketConfig,
  kernelNeeds: kernelSocketNeeds,
  usesDiscovery: true,
  create: (config, ctx) => new KernelSocketReceiver(config, ctx),
};

export default kernelSocketReceiverFactory;
export type { KernelSocketConfig } from './config.js';

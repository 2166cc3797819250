import type { ReceiverFactory } from '../../src/component/index.js';
import { defaultNetworkFlowConfig, networkFlowSchema, type NetworkFlowConfig } from './config.js';
import { NetworkFlowReceiver } from './receiver.js';
import { networkFlowNeeds } from './needs.js';

export type { NetworkFlowConfig } from './config.js';
export { NetworkFlowReceiver } from './receiver.js';

/**
 * `network_flow`: network flows (lumen.network.flow.bytes/.packets) from a socket filter or TC on the selected
 * interfaces, and TCP health (lumen.tcp.*) from tracepoints. Works without kprobes. See README.md.
 */
export const networkFlowReceiverFactory: ReceiverFactory<NetworkFlowConfig> = {
  type: 'network_flow',
  kind: 'receiver',
  signals: ['metrics', 'flows'],
  schema: networkFlowSchema,
  defaultConfig: defaultNetworkFlowConfig,
  kernelNeeds: networkFlowNeeds,
  usesDiscovery: true,
  create: (config, ctx) => new NetworkFlowReceiver(config, ctx),
};

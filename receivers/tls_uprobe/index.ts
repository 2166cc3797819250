import type { ReceiverFactory } from '../../src/component/index.js';
import { defaultTlsUprobeConfig, tlsUprobeSchema, type TlsUprobeConfig } from './config.js';
import { TlsUprobeReceiver } from './receiver.js';
import { tlsUprobeNeeds } from './needs.js';

export type { TlsUprobeConfig } from './config.js';

/**
 * `tls_uprobe`: HTTPS spans from the plaintext at the OpenSSL boundary (shared libssl, or the executable
 * itself for Node.js and static builds), through the same HTTP/1 assembly as kernel_socket.
 */
export const tlsUprobeFactory: ReceiverFactory<TlsUprobeConfig> = {
  type: 'tls_uprobe',
  kind: 'receiver',
  signals: ['traces', 'metrics'],
  schema: tlsUprobeSchema,
  defaultConfig: defaultTlsUprobeConfig,
  kernelNeeds: tlsUprobeNeeds,
  usesDiscovery: true,
  create: (config, ctx) => new TlsUprobeReceiver(config, ctx),
};

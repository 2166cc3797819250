import type { JsonSchema } from '../../src/component/index.js';
import { connectionTrackingProperties } from '../../src/capture/config.js';

/** The `tls_uprobe` receiver's configuration, as written in pipelines.yaml (sizes named as kernel_socket's). */
export interface TlsUprobeConfig {
  /** Bytes kept of each decrypted request and response (their heads: method, path, status, traceparent). */
  capture_bytes: number;
  /** Base-name globs of mapped libraries that may be OpenSSL's libssl. */
  libraries: string[];
  /** Also look for SSL_read/SSL_write in each program's own executable (Node.js, static builds). */
  executables: boolean;
  /** Probe OpenSSL's internal read/write when identified, so BIO_f_ssl users (openssl s_server) are seen too. */
  openssl_internals: boolean;
  /** How often instrumented processes without TLS probes are looked at again (libssl loaded later); "0" = never. */
  rescan_interval: string;
  /** Kernel ring buffer between the probes and the agent, in bytes (a power of two). */
  ring_buffer_size: number;
  /** TLS connections followed at once; beyond it the least recently used is forgotten. */
  max_connections: number;
  /** Requests awaiting their response at once, across all TLS connections. */
  max_pending_requests: number;
  /** A request without a complete response after this long is reported with status 0 and counted. */
  request_timeout: string;
  /** Longest wait before the ring-buffer consumer delivers what it has. */
  poll_interval: string;
}

export const DEFAULT_LIBRARIES = ['libssl.so*', 'libssl-*.so*'];

export const tlsUprobeSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    capture_bytes: {
      type: 'integer', minimum: 64, maximum: 1024, default: 256,
      description: 'Bytes kept of each decrypted request and response (64 to 1024).',
    },
    libraries: {
      type: 'array', items: { type: 'string', minLength: 1 }, default: DEFAULT_LIBRARIES,
      description: 'Base-name globs of mapped libraries that may be libssl, e.g. "libssl.so*".',
    },
    executables: { type: 'boolean', default: true, description: 'Look for SSL_read/SSL_write in the executable itself (Node.js, static builds).' },
    openssl_internals: { type: 'boolean', default: true, description: 'Probe OpenSSL\'s internal read/write when identified (sees BIO_f_ssl users such as openssl s_server).' },
    rescan_interval: { type: 'string', format: 'duration', default: '5s', description: 'Re-read the mappings of instrumented processes without TLS probes this often ("0" = never).' },
    ...connectionTrackingProperties('TLS connections'),
  },
};

export function defaultTlsUprobeConfig(): TlsUprobeConfig {
  return {
    capture_bytes: 256,
    libraries: [...DEFAULT_LIBRARIES],
    executables: true,
    openssl_internals: true,
    rescan_interval: '5s',
    ring_buffer_size: 2 ** 23,
    max_connections: 16384,
    max_pending_requests: 8192,
    request_timeout: '30s',
    poll_interval: '100ms',
  };
}

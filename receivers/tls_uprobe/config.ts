import type { JsonSchema } from '../../src/pipeline/component.js';

/** The `tls_uprobe` receiver's configuration, as written in pipelines.yaml. */
export interface TlsUprobeConfig {
  /** Bytes kept of each decrypted request and response (their heads: method, path, status, traceparent). */
  capture_bytes: number;
  /** Base-name globs of mapped libraries that may be OpenSSL's libssl. */
  libraries: string[];
  /** Also look for SSL_read/SSL_write in each program's own executable (Node.js, static builds). */
  executables: boolean;
  /** Probe OpenSSL's internal read/write when identified, so BIO_f_ssl users (openssl s_server) are seen too. */
  openssl_internals: boolean;
  /** How often instrumented processes without a TLS library are looked at again (libssl loaded later); "0" = never. */
  rescan_interval: string;
  /** A request without a complete response after this long is emitted with status 0 and counted. */
  request_timeout: string;
  /** Ring buffer between the probes and Lumen, in bytes (a power of two, at least 64 KiB). */
  ring_buffer_bytes: number;
}

export const DEFAULT_LIBRARIES = ['libssl.so*', 'libssl-*.so*'];

export const tlsUprobeSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    capture_bytes: {
      type: 'integer', minimum: 64, maximum: 1024, default: 256,
      description: 'Bytes kept of each decrypted request and response (64-1024).',
    },
    libraries: {
      type: 'array', items: { type: 'string', minLength: 1 }, default: DEFAULT_LIBRARIES,
      description: 'Base-name globs of mapped libraries that may be libssl.',
    },
    executables: { type: 'boolean', default: true, description: 'Look for SSL_read/SSL_write in the executable itself (Node.js, static builds).' },
    openssl_internals: { type: 'boolean', default: true, description: 'Probe OpenSSL\'s internal read/write when identified (sees BIO_f_ssl users too).' },
    rescan_interval: { type: 'string', format: 'duration', default: '5s', description: 'Re-read the mappings of processes without TLS probes this often ("0" = never).' },
    request_timeout: { type: 'string', format: 'duration', default: '30s', description: 'Emit a request still without a complete response after this long, with status 0.' },
    ring_buffer_bytes: {
      type: 'integer', minimum: 65536, maximum: 1073741824, default: 8388608, multipleOf: 4096,
      description: 'Ring buffer size in bytes: a power of two from 64 KiB to 1 GiB.',
    },
  },
};

export function defaultTlsUprobeConfig(): TlsUprobeConfig {
  return {
    capture_bytes: 256,
    libraries: [...DEFAULT_LIBRARIES],
    executables: true,
    openssl_internals: true,
    rescan_interval: '5s',
    request_timeout: '30s',
    ring_buffer_bytes: 8 * 1024 * 1024,
  };
}

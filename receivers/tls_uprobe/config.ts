import { componentConfig } from '../../src/config/component-config.js';
import { array, boolean, duration, enumOf, integer, object, string, type Infer } from '../../src/config/typed-schema.js';
import { connectionTracking, kernelAggregationOptions } from '../../src/capture/config.js';
import { databaseOptions } from '../../src/capture/wire-config.js';

export const DEFAULT_LIBRARIES = ['libssl.so*', 'libssl-*.so*'];

/** The `tls_uprobe` receiver's configuration, as written in pipelines.yaml (sizes named as kernel_socket's). */
export const tlsUprobeConfig = object({
  /** Bytes kept of each decrypted request and response (their heads: method, path, status, traceparent). */
  capture_bytes: integer({
    minimum: 64, maximum: 1024, default: 256,
    description: 'Bytes kept of each decrypted request and response (64 to 1024).',
  }),
  /** Base-name globs of mapped libraries that may be OpenSSL's libssl. */
  libraries: array(string({ minLength: 1 }), {
    default: DEFAULT_LIBRARIES,
    description: 'Base-name globs of mapped libraries that may be libssl, e.g. "libssl.so*".',
  }),
  /** Also look for SSL_read/SSL_write in each program's own executable (Node.js, static builds). */
  executables: boolean({ default: true, description: 'Look for SSL_read/SSL_write in the executable itself (Node.js, static builds).' }),
  /** Probe OpenSSL's internal read/write when identified, so BIO_f_ssl users (openssl s_server) are seen too. */
  openssl_internals: boolean({ default: true, description: 'Probe OpenSSL\'s internal read/write when identified (sees BIO_f_ssl users such as openssl s_server).' }),
  /** How often instrumented processes without TLS probes are looked at again (libssl loaded later), ms; 0 = never. */
  rescan_interval: duration({ default: '5s', description: 'Re-read the mappings of instrumented processes without TLS probes this often ("0" = never).' }),
  /** Application protocols recognised in decrypted bytes, by content. */
  protocols: array(enumOf(['http', 'http2', 'postgresql', 'mysql', 'redis', 'memcached', 'kafka']), {
    minItems: 1, uniqueItems: true, default: ['http', 'http2', 'postgresql', 'mysql', 'redis', 'memcached', 'kafka'],
    description: 'Protocols recognised in decrypted bytes, by content: http (HTTP/1.x), http2 (HTTP/2 and gRPC, ALPN h2); database and broker clients: postgresql, mysql, redis, memcached, kafka.',
  }),
  ...kernelAggregationOptions('lumen_tls_aggregation_fallback_total'),
  ...databaseOptions(),
  ...connectionTracking('TLS connections'),
});

export type TlsUprobeConfig = Infer<typeof tlsUprobeConfig>;
export const { schema: tlsUprobeSchema, defaultConfig: defaultTlsUprobeConfig } = componentConfig(tlsUprobeConfig);

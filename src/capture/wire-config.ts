import { boolean, integer, object } from '../config/typed-schema.js';
import type { CaptureProtocol } from './protocol.js';
import { postgresParser } from '../protocols/postgres/index.js';
import { mysqlParser } from '../protocols/mysql/index.js';
import { redisParser } from '../protocols/redis/index.js';
import { memcachedParser } from '../protocols/memcached/index.js';
import { kafkaParser } from '../protocols/kafka/index.js';
import { KS_PROTO, wireProtocol, type OtherRequests } from './wire.js';
import { http1Protocol } from './http1.js';
import { http2Protocol } from './http2.js';
import { h2cUpgradeProtocol, h2cUpgrades } from './h2c-upgrade.js';

/** The wire protocols a machine receiver may recognise (its `protocols` option, besides http). */
export const WIRE_PROTOCOLS = ['postgresql', 'mysql', 'redis', 'memcached', 'kafka'] as const;
export type WireProtocolName = (typeof WIRE_PROTOCOLS)[number];

const capture = (name: string, dflt: number) => integer({
  minimum: 64, maximum: 8192, default: dflt,
  description: `Bytes kept of each ${name} exchange's requests and of its answers (64 to 8192; capped by the loaded probe's capture size).`,
});

/** Options of the database/broker capture every machine receiver has (`databases:` in its config). */
export function databaseOptions() {
  return {
    databases: object({
      /** db.query.text on spans (SQL literals obfuscated; Redis/memcached: the command). Never on metrics. */
      query_text: boolean({ default: false, description: 'Put db.query.text on database spans, SQL literals replaced by ? (never on metrics).' }),
      postgresql_capture_bytes: capture('PostgreSQL', 1024),
      mysql_capture_bytes: capture('MySQL/MariaDB', 1024),
      redis_capture_bytes: capture('Redis', 1024),
      memcached_capture_bytes: capture('memcached', 512),
      kafka_capture_bytes: capture('Kafka', 1024),
    }, { description: 'Database and broker client capture: per-protocol capture sizes, db.query.text.' }),
  };
}

export interface DatabaseOptions {
  query_text: boolean;
  postgresql_capture_bytes: number;
  mysql_capture_bytes: number;
  redis_capture_bytes: number;
  memcached_capture_bytes: number;
  kafka_capture_bytes: number;
}

/** The probe object's load-time settings (bpf/include/ks_wire.h, ks_http2.h) for `enabled` protocols. */
export function wireRodata(enabled: readonly string[], o: DatabaseOptions, captureMax: number): Record<string, number> {
  let mask = 0;
  for (const name of WIRE_PROTOCOLS) if (enabled.includes(name)) mask |= 1 << KS_PROTO[name];
  const cap = (n: number) => Math.min(n, captureMax);
  return {
    h2_enabled: enabled.includes('http2') ? 1 : 0,
    wire_protocols: mask,
    postgres_capture_bytes: cap(o.postgresql_capture_bytes),
    mysql_capture_bytes: cap(o.mysql_capture_bytes),
    redis_capture_bytes: cap(o.redis_capture_bytes),
    memcached_capture_bytes: cap(o.memcached_capture_bytes),
    kafka_capture_bytes: cap(o.kafka_capture_bytes),
  };
}

/** The CaptureProtocols of a machine receiver: HTTP/1 always, HTTP/2 and the wire protocols when enabled;
 * `others` counts wire requests that are not spans. */
export function machineProtocols(scheme: 'http' | 'https', enabled: readonly string[], o: DatabaseOptions, others?: OtherRequests): CaptureProtocol[] {
  if (!enabled.includes('http2')) return [http1Protocol(scheme), ...wireProtocols(enabled, o, others)];
  // h2c Upgrade: the 101 exchange's request waits for its answer on the HTTP/2 side
  const upgrades = h2cUpgrades();
  return [h2cUpgradeProtocol(scheme, upgrades), http1Protocol(scheme), http2Protocol(scheme, upgrades), ...wireProtocols(enabled, o, others)];
}

/** The CaptureProtocols of the enabled wire protocols; `others` counts requests that are not spans. */
export function wireProtocols(enabled: readonly string[], o: DatabaseOptions, others?: OtherRequests): CaptureProtocol[] {
  const opts = { queryText: o.query_text };
  const all: Record<WireProtocolName, () => CaptureProtocol> = {
    postgresql: () => wireProtocol(KS_PROTO.postgresql, postgresParser, opts, others),
    mysql: () => wireProtocol(KS_PROTO.mysql, mysqlParser, opts, others),
    redis: () => wireProtocol(KS_PROTO.redis, redisParser, opts, others),
    memcached: () => wireProtocol(KS_PROTO.memcached, memcachedParser, opts, others),
    kafka: () => wireProtocol(KS_PROTO.kafka, kafkaParser, opts, others),
  };
  return WIRE_PROTOCOLS.filter((n) => enabled.includes(n)).map((n) => all[n]());
}

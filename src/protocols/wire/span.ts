import type { ConnectionTuple, Protocol, Span, SpanKind } from '../../model/span.js';
import type { Service } from '../../model/service.js';
import { newSpanId, newTraceId } from '../http1/ids.js';
import { obfuscateSql } from '../redaction/index.js';
import type { WireOperation, WireSystem } from './operation.js';

export interface WireSpanOptions {
  /** Put db.query.text on spans (literals obfuscated for SQL; Redis/memcached: command and key only). */
  queryText: boolean;
}

const PROTOCOL: Record<WireSystem, Protocol> = { postgresql: 'sql', mysql: 'sql', redis: 'redis', memcached: 'memcached', kafka: 'kafka' };
const SQL = new Set<WireSystem>(['postgresql', 'mysql']);

/**
 * An operation → its CLIENT span (Kafka: PRODUCER for publish, CONSUMER for receive), named per DESIGN.md §4:
 * `SELECT users`, the Redis/memcached command, `publish orders`; db.* or messaging.* attributes.
 */
export function wireSpan(system: WireSystem, op: WireOperation, start: bigint, end: bigint, service: Service,
  connection: ConnectionTuple, options: WireSpanOptions): Span {
  const attributes: Span['attributes'] = {};
  let kind: SpanKind = 'client';
  let name: string;
  if (system === 'kafka') {
    kind = op.operation === 'publish' ? 'producer' : op.operation === 'receive' ? 'consumer' : 'client';
    name = op.collection ? `${op.operation} ${op.collection}` : op.operation;
    attributes['messaging.system'] = 'kafka';
    attributes['messaging.operation.name'] = op.operation;
    attributes['messaging.operation.type'] = op.operation === 'publish' ? 'send' : 'receive';
    if (op.collection) attributes['messaging.destination.name'] = op.collection;
    if (op.partition >= 0) attributes['messaging.destination.partition.id'] = String(op.partition);
    if (op.clientId) attributes['messaging.client.id'] = op.clientId;
    if (op.status) attributes['messaging.kafka.response.error_code'] = op.status;
  } else {
    name = op.collection && SQL.has(system) ? `${op.operation} ${op.collection}` : op.operation || system.toUpperCase();
    attributes['db.system.name'] = system;
    if (op.operation) attributes['db.operation.name'] = op.operation;
    if (op.collection) attributes['db.collection.name'] = op.collection;
    if (op.namespace) attributes['db.namespace'] = op.namespace;
    if (op.status) attributes['db.response.status_code'] = op.status;
    if (op.rows >= 0) attributes['db.response.returned_rows'] = op.rows;
    if (options.queryText && op.query) attributes['db.query.text'] = SQL.has(system) ? obfuscateSql(op.query) : op.query;
  }
  if (op.error) attributes['error.type'] = op.error;
  const s = op.startUnixNano !== undefined && op.startUnixNano < start ? op.startUnixNano : start;
  return {
    kind,
    protocol: PROTOCOL[system],
    startUnixNano: s,
    endUnixNano: end < s ? s : end,
    service,
    connection,
    trace: { traceId: newTraceId(), spanId: newSpanId(), parentSpanId: '', flags: 1 },
    name,
    attributes,
  };
}

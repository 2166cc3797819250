import { isPrintable, operation, type WireOperation, type WireParser } from '../wire/index.js';
import { KafkaReader } from './reader.js';

export const API_PRODUCE = 0;
export const API_FETCH = 1;

/** First flexible (compact, tagged) version of Produce and Fetch. */
const FLEXIBLE: Record<number, number> = { [API_PRODUCE]: 9, [API_FETCH]: 12 };

/** A request awaiting its response, by correlation id. */
interface KafkaRequest {
  key: number;
  version: number;
  correlation: number;
  clientId: string;
  topic: string;
  partition: number;
}

/** Kafka needs no state across exchanges (responses carry their correlation ids). */
export type KafkaState = Record<string, never>;

/**
 * Kafka: Produce (publish) and Fetch (receive) requests — their first topic and partition, the client id — paired
 * with their responses by correlation id; a non-zero partition error code marks the operation failed. Other API
 * keys are counted (WireExchange.other), not made spans. Non-flexible versions (Produce ≤ 8, Fetch ≤ 11)
 * are read field by field; flexible ones give the client id and the API only.
 */
export const kafkaParser: WireParser<KafkaState> = {
  system: 'kafka',
  newState: () => ({}),
  parse(x, _state, out) {
    const reqs: KafkaRequest[] = [];
    let at = 0;
    const b = x.request;
    while (at + 14 <= b.length && reqs.length < 256) {
      const size = b.readInt32BE(at);
      if (size < 10 || size > 1 << 26) return;
      const r = new KafkaReader(b, at + 4, Math.min(b.length, at + 4 + size));
      const key = r.i16(), version = r.i16(), correlation = r.i32();
      const clientId = r.string();
      if (r.cut || key < 0 || key > 74 || version < 0 || version > 20 || !isPrintable(clientId)) return;
      if (key === API_PRODUCE || key === API_FETCH) {
        const req: KafkaRequest = { key, version, correlation, clientId, topic: '', partition: -1 };
        if (version < FLEXIBLE[key]!) firstTopic(r, req);
        if (req.topic && !isPrintable(req.topic)) return;
        reqs.push(req);
      } else x.other?.(`api_key_${key}`); // Metadata, ApiVersions, ListOffsets, commits …: counted
      at += 4 + size;
    }
    const ops: WireOperation[] = [];
    for (const res of responses(x.response)) {
      const req = reqs.find((q) => q.correlation === res.correlation);
      if (!req) continue;
      const err = req.version < FLEXIBLE[req.key]! ? errorCode(x.response, res.at, res.end, req) : 0;
      ops.push(operation({
        operation: req.key === API_PRODUCE ? 'publish' : 'receive', collection: req.topic, partition: req.partition,
        clientId: req.clientId, status: err ? String(err) : '', error: err ? `kafka_error_${err}` : '',
      }));
    }
    for (const o of ops) out.push(o);
  },
};

/** Produce/Fetch bodies up to their first topic name and partition. */
function firstTopic(r: KafkaReader, req: KafkaRequest): void {
  if (req.key === API_PRODUCE) {
    if (req.version >= 3) r.string(); // transactional_id
    r.i16(); // acks
    r.i32(); // timeout
  } else {
    r.i32(); // replica_id
    r.i32(); // max_wait_ms
    r.i32(); // min_bytes
    if (req.version >= 3) r.i32(); // max_bytes
    if (req.version >= 4) r.skip(1); // isolation_level
    if (req.version >= 7) { r.i32(); r.i32(); } // session_id, session_epoch
  }
  const topics = r.i32();
  if (r.cut || topics < 1) return;
  req.topic = r.string();
  const partitions = r.i32();
  if (!r.cut && partitions >= 1) req.partition = r.i32();
  if (r.cut) req.partition = -1;
}

/** Responses: size, correlation id, body (the last one may be cut). */
function* responses(b: Buffer): Generator<{ correlation: number; at: number; end: number }> {
  let at = 0;
  while (at + 8 <= b.length) {
    const size = b.readInt32BE(at);
    if (size < 4 || size > 1 << 30) return;
    yield { correlation: b.readInt32BE(at + 4), at: at + 8, end: Math.min(b.length, at + 4 + size) };
    at += 4 + size;
  }
}

/** The first partition's error code of a Produce/Fetch response (0 when cut or none). */
function errorCode(b: Buffer, at: number, end: number, req: KafkaRequest): number {
  const r = new KafkaReader(b, at, end);
  if (req.key === API_FETCH) {
    if (req.version >= 1) r.i32(); // throttle_time_ms
    if (req.version >= 7) {
      const top = r.i16();
      r.i32(); // session_id
      if (top) return top;
    }
  }
  const topics = r.i32();
  if (r.cut || topics < 1) return 0;
  r.string();
  const partitions = r.i32();
  if (r.cut || partitions < 1) return 0;
  r.i32(); // partition index
  const code = r.i16();
  return r.cut ? 0 : code;
}

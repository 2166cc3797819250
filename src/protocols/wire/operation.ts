/**
 * What the database and broker parsers (src/protocols/{postgres,mysql,redis,memcached,kafka}) make of one
 * captured exchange: its operations, in order. Independent of where the bytes came from (kernel socket, TLS).
 */
export type WireSystem = 'postgresql' | 'mysql' | 'redis' | 'memcached' | 'kafka';

export interface WireOperation {
  /** db.operation.name (SELECT, GET, set) or, for Kafka, messaging.operation.name (publish, receive). */
  operation: string;
  /** db.collection.name (the table) or messaging.destination.name (the topic); '' when none. */
  collection: string;
  /** db.namespace (database name or Redis index); '' when unknown. */
  namespace: string;
  /** The statement or command as sent (not obfuscated: the span mapping decides), '' when none. */
  query: string;
  /** db.response.status_code (SQLSTATE, MySQL error number, Redis error prefix, Kafka error code); '' when none. */
  status: string;
  /** error.type when the operation failed, '' otherwise. */
  error: string;
  /** Rows a SQL statement returned or touched (CommandComplete), -1 when unknown. */
  rows: number;
  /** Kafka only: the partition and the client id ('' / -1 when none). */
  partition: number;
  clientId: string;
  /** When set, the operation started in an earlier exchange (PostgreSQL COPY FROM STDIN): its start, Unix ns. */
  startUnixNano?: bigint;
}

/** One captured exchange: the first bytes of a burst of client writes and of the server's answer. */
export interface WireExchange {
  request: Buffer;
  response: Buffer;
  /** Bytes of the request / response seen in total (more than captured when the capture was cut). */
  requestBytes: number;
  responseBytes: number;
  /** The exchange's start (first request byte), Unix ns: kept by operations that end in a later exchange. */
  startUnixNano: bigint;
  /** A request recognised but not made a span (Kafka API keys other than Produce and Fetch), by kind: counted. */
  other?: (kind: string) => void;
}

/** A protocol's parser with its per-connection state (prepared statements, database name). */
export interface WireParser<S> {
  readonly system: WireSystem;
  newState(): S;
  /** The operations of an exchange, in order; never throws on any bytes (fuzzed). `out` is appended to. */
  parse(x: WireExchange, state: S, out: WireOperation[]): void;
}

export function operation(fields: Partial<WireOperation> & { operation: string }): WireOperation {
  return { collection: '', namespace: '', query: '', status: '', error: '', rows: -1, partition: -1, clientId: '', ...fields };
}

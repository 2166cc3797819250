/**
 * PostgreSQL v3 message framing over a capture: typed messages (type byte, 4-byte length including itself,
 * body) in order, the last one possibly cut by the capture. A length that cannot be a message stops the walk.
 */
export interface PgMessage {
  type: number;
  /** Body bytes within the capture: [start, end). */
  start: number;
  end: number;
  /** The body continued past the capture. */
  cut: boolean;
}

const MAX_MESSAGE = 1 << 30;

/** Calls `each` per message of b[from..); returns false when bytes that cannot be a message were met. */
export function forEachMessage(b: Buffer, from: number, each: (m: PgMessage) => boolean | void): boolean {
  let at = from;
  while (at < b.length) {
    if (at + 5 > b.length) return true; // a header cut by the capture
    const type = b[at]!;
    const len = b.readUInt32BE(at + 1);
    if (type < 0x31 || type > 0x7a || len < 4 || len > MAX_MESSAGE) return false;
    const start = at + 5;
    const full = at + 1 + len;
    const end = Math.min(full, b.length);
    if (each({ type, start, end, cut: full > b.length }) === false) return true;
    at = full;
  }
  return true;
}

/** StartupMessage / SSLRequest / CancelRequest: untyped, length first. */
export const PG_PROTOCOL_V3 = 196608;
export const PG_SSL_REQUEST = 80877103;
export const PG_GSSENC_REQUEST = 80877104;
export const PG_CANCEL_REQUEST = 80877102;

/** The startup packet's parameters (user, database …) when b starts with one, else undefined. */
export function startupParameters(b: Buffer): Map<string, string> | undefined {
  if (b.length < 8) return undefined;
  const len = b.readUInt32BE(0);
  if (b.readUInt32BE(4) !== PG_PROTOCOL_V3 || len < 8 || len > 10000) return undefined;
  const end = Math.min(len, b.length);
  const params = new Map<string, string>();
  let at = 8;
  while (at < end && b[at] !== 0 && params.size < 64) {
    const kz = b.indexOf(0, at);
    if (kz < 0 || kz >= end) break;
    const vz = b.indexOf(0, kz + 1);
    if (vz < 0 || vz >= end) break;
    params.set(b.toString('utf8', at, kz), b.toString('utf8', kz + 1, vz));
    at = vz + 1;
  }
  return params;
}

/** Length of an untyped packet at the start of b (startup, SSL/GSS/cancel request), 0 when it is not one. */
export function untypedLength(b: Buffer): number {
  if (b.length < 8) return 0;
  const len = b.readUInt32BE(0);
  const code = b.readUInt32BE(4);
  if (code === PG_PROTOCOL_V3 && len > 8 && len < 10000) return len;
  if ((code === PG_SSL_REQUEST || code === PG_GSSENC_REQUEST) && len === 8) return 8;
  if (code === PG_CANCEL_REQUEST && len === 16) return 16;
  return 0;
}

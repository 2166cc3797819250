import { BoundedMap } from '../protocols/wire/index.js';

/** Bytes of one exchange kept, chunks of both directions together; later chunks are dropped. */
export const MAX_EXCHANGE_BYTES = 512 * 1024;
/** Bytes of all exchanges in progress kept at once (an exchange whose end never comes must not pin memory). */
export const MAX_PENDING_BYTES = 16 * 1024 * 1024;

interface Pending {
  request: Buffer[];
  response: Buffer[];
  bytes: number;
}

/**
 * The chunks of exchanges in progress (KS_REASON_CHUNK records: a capture that filled up, bpf/include/ks_wire.h),
 * per connection, copied out of the ring batch until the exchange's final record joins them. Bounded per
 * exchange and in total; a chunk past either bound is dropped (the parsers stop at the gap: fewer spans, never
 * wrong ones).
 */
export class WireChunks {
  private readonly pending = new BoundedMap<string, Pending>(1024, (p) => { this.total -= p.bytes; });
  private total = 0;

  add(key: string, request: Buffer, response: Buffer): void {
    let p = this.pending.get(key);
    if (!p) this.pending.set(key, (p = { request: [], response: [], bytes: 0 }));
    const n = request.length + response.length;
    if (p.bytes + n > MAX_EXCHANGE_BYTES || this.total + n > MAX_PENDING_BYTES) return;
    if (request.length) p.request.push(Buffer.from(request));
    if (response.length) p.response.push(Buffer.from(response));
    p.bytes += n;
    this.total += n;
  }

  /** The whole exchange's captures: the chunks so far, then the final record's own. */
  take(key: string, request: Buffer, response: Buffer): { request: Buffer; response: Buffer } {
    const p = this.pending.get(key);
    if (!p) return { request, response };
    this.pending.delete(key);
    return {
      request: p.request.length ? Buffer.concat([...p.request, request]) : request,
      response: p.response.length ? Buffer.concat([...p.response, response]) : response,
    };
  }
}

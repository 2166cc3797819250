import { BoundedMap } from '../protocols/wire/index.js';

/** Bytes of one exchange kept per direction, chunks and final record together; beyond, later chunks are dropped. */
export const MAX_EXCHANGE_BYTES = 1 << 20;

interface Pending {
  request: Buffer[];
  response: Buffer[];
  bytes: number;
}

/**
 * The chunks of exchanges in progress (KS_REASON_CHUNK records: a capture that filled up, bpf/include/ks_wire.h),
 * per connection, copied out of the ring batch until the exchange's final record joins them.
 */
export class WireChunks {
  private readonly pending = new BoundedMap<string, Pending>(1024);

  add(key: string, request: Buffer, response: Buffer): void {
    let p = this.pending.get(key);
    if (!p) this.pending.set(key, (p = { request: [], response: [], bytes: 0 }));
    if (p.bytes + request.length + response.length > MAX_EXCHANGE_BYTES) return;
    if (request.length) p.request.push(Buffer.from(request));
    if (response.length) p.response.push(Buffer.from(response));
    p.bytes += request.length + response.length;
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

import type { BpfObject } from '../../src/bpf/types.js';
import type { Counter, SelfTelemetry } from '../../src/component/index.js';

/** tls_stats slots (bpf/include/tls.h) → lumen_* counters. */
const TLS_STATS: ReadonlyArray<readonly [number, string, string]> = [
  [0, 'lumen_tls_calls_total', 'SSL read/write calls that moved plaintext.'],
  [1, 'lumen_tls_plaintext_bytes_total', 'Decrypted bytes seen at the OpenSSL boundary.'],
  [2, 'lumen_tls_unbound_calls_total', 'Plaintext of an SSL object not tied to a socket yet: not parsed.'],
  [3, 'lumen_tls_bindings_total', 'SSL objects tied to their TCP socket.'],
  [4, 'lumen_tls_bind_not_socket_total', 'Candidate fds for an SSL object that were not TCP sockets.'],
  [5, 'lumen_tls_length_faults_total', 'SSL_*_ex calls whose byte count could not be read.'],
];

/** ks_counters slots (bpf/include/kernel_socket.h, enum ks_counter) of this object's connection machine. */
const KS_COUNTERS: ReadonlyArray<readonly [number, string, string]> = [
  [0, 'lumen_tls_records_total', 'HTTPS request records written by the probes.'],
  [1, 'lumen_tls_ringbuf_drops_total', 'HTTPS records lost because the ring buffer was full.'],
  [2, 'lumen_tls_non_http_total', 'Decrypted data at a message boundary that is not HTTP/1 (discarded).'],
  [3, 'lumen_tls_non_http_connections_total', 'TLS connections given up as not HTTP/1 (HTTP/2, other protocols).'],
  [4, 'lumen_tls_unsolicited_responses_total', 'Decrypted responses with no pending request.'],
  [5, 'lumen_tls_pipeline_overflows_total', 'Pipelined requests beyond the per-connection limit (each lost request counted).'],
  [6, 'lumen_tls_head_truncated_total', 'Header blocks too long to follow.'],
  [7, 'lumen_tls_pending_requests_full_total', 'HTTPS requests lost because max_pending_requests were already pending (each counted).'],
  [8, 'lumen_tls_connection_table_full_total', 'Decrypted data of a connection the connection table had no room for.'],
  [9, 'lumen_tls_closed_incomplete_total', 'Connections closed in the middle of a request head.'],
  [10, 'lumen_tls_closed_no_response_total', 'Connections closed after a request without response (emitted with status 0).'],
  [11, 'lumen_tls_read_faults_total', 'Plaintext that could not be read from the process.'],
];

const KS_SLOTS = 16;

/**
 * Moves the kernel-side per-CPU counters into lumen_* counters: each poll() adds what grew since the last one.
 */
export class KernelCounters {
  private readonly tls: Array<{ slot: number; counter: Counter; last: bigint }>;
  private readonly ks: Array<{ slot: number; counter: Counter; last: bigint }>;

  constructor(private readonly obj: BpfObject, telemetry: SelfTelemetry) {
    this.tls = TLS_STATS.map(([slot, name, help]) => ({ slot, counter: telemetry.counter(name, help), last: 0n }));
    this.ks = KS_COUNTERS.map(([slot, name, help]) => ({ slot, counter: telemetry.counter(name, help), last: 0n }));
  }

  poll(): void {
    const key = Buffer.alloc(4);
    const stats = this.obj.map('tls_stats');
    for (const c of this.tls) {
      key.writeUInt32LE(c.slot);
      const v = stats.lookup(key);
      if (v) this.bump(c, sumU64(v, 0, 8));
    }
    key.writeUInt32LE(0);
    const ks = this.obj.map('ks_counters').lookup(key);
    if (ks) for (const c of this.ks) this.bump(c, sumU64(ks, c.slot * 8, KS_SLOTS * 8));
  }

  private bump(c: { counter: Counter; last: bigint }, now: bigint): void {
    if (now > c.last) c.counter.add(Number(now - c.last));
    c.last = now;
  }
}

/** Sums the u64 at `offset` of every CPU's copy in a per-CPU value (`stride` bytes each, 8-byte aligned). */
function sumU64(v: Buffer, offset: number, stride: number): bigint {
  let s = 0n;
  for (let at = offset; at + 8 <= v.length; at += stride) s += v.readBigUInt64LE(at);
  return s;
}

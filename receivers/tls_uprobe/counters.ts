import type { BpfObject } from '../../src/bpf/types.js';
import { KernelCounters, type CounterSlot } from '../../src/capture/index.js';
import type { SelfTelemetry } from '../../src/component/index.js';

/** tls_stats slots (bpf/include/tls.h) → lumen_* counters. */
const TLS_STATS: readonly CounterSlot[] = [
  [0, 'lumen_tls_calls_total', 'SSL read/write calls that moved plaintext.'],
  [1, 'lumen_tls_plaintext_bytes_total', 'Decrypted bytes seen at the OpenSSL boundary.'],
  [2, 'lumen_tls_unbound_calls_total', 'Plaintext of an SSL object not tied to a socket yet: not parsed.'],
  [3, 'lumen_tls_bindings_total', 'SSL objects tied to their TCP socket.'],
  [4, 'lumen_tls_bind_not_socket_total', 'Candidate fds for an SSL object that were not TCP sockets.'],
  [5, 'lumen_tls_length_faults_total', 'SSL_*_ex calls whose byte count could not be read.'],
];

const AGG_FALLBACK_HELP = 'HTTPS requests kernel aggregation left to a ring record (exact path), by why: unfit = no response, 1xx/101, a head not followed, no Host or request line in the first 512 captured bytes, still pending when the connection ended; budget_full = a new series or template past kernel_aggregation_series.';

/** ks_counters slots (bpf/include/kernel_socket.h, enum ks_counter) of this object's connection machine. */
const KS_COUNTERS: readonly CounterSlot[] = [
  [0, 'lumen_tls_records_total', 'HTTPS request records written by the probes.'],
  [1, 'lumen_tls_ringbuf_drops_total', 'HTTPS records lost because the ring buffer was full.'],
  [2, 'lumen_tls_non_http_total', 'Decrypted data at a message boundary that is not HTTP/1 (discarded).'],
  [3, 'lumen_tls_non_http_connections_total', 'TLS connections given up as not HTTP/1 nor a recognised protocol.'],
  [4, 'lumen_tls_unsolicited_responses_total', 'Decrypted responses with no pending request.'],
  [5, 'lumen_tls_pipeline_overflows_total', 'Pipelined requests beyond the per-connection limit (each lost request counted).'],
  [6, 'lumen_tls_head_truncated_total', 'Header blocks too long to follow.'],
  [7, 'lumen_tls_pending_requests_full_total', 'HTTPS requests lost because max_pending_requests were already pending (each counted).'],
  [8, 'lumen_tls_connection_table_full_total', 'Decrypted data of a connection the connection table had no room for.'],
  [9, 'lumen_tls_closed_incomplete_total', 'Connections closed in the middle of a request head.'],
  [10, 'lumen_tls_closed_no_response_total', 'Connections closed after a request without response (emitted with status 0).'],
  [11, 'lumen_tls_read_faults_total', 'Plaintext that could not be read from the process.'],
  [14, 'lumen_tls_database_connections_total', 'TLS client connections recognised as a database or broker protocol.'],
  [15, 'lumen_tls_http2_connections_total', 'TLS connections recognised as HTTP/2 (ALPN h2: the client preface in the plaintext).'],
  [16, 'lumen_tls_http2_frames_lost_total', 'HTTP/2 connections given up: frame boundaries lost (more frames in one call than followed, unreadable bytes).'],
  [19, 'lumen_tls_aggregated_requests_total', 'HTTPS requests added to a kernel series (kernel_aggregation): no ring record, no span of their own.'],
  [20, 'lumen_tls_aggregation_fallback_total', AGG_FALLBACK_HELP, { reason: 'unfit' }],
  [21, 'lumen_tls_aggregation_fallback_total', AGG_FALLBACK_HELP, { reason: 'budget_full' }],
];

/** The object's kernel counters (tls_stats and its connection machine's ks_counters) as lumen_tls_* counters. */
export function tlsKernelCounters(obj: BpfObject, telemetry: SelfTelemetry): { poll(): void } {
  const tls = new KernelCounters(obj.map('tls_stats'), TLS_STATS, telemetry, 'array');
  const ks = new KernelCounters(obj.map('ks_counters'), KS_COUNTERS, telemetry, 'entry');
  return { poll: () => { tls.poll(); ks.poll(); } };
}

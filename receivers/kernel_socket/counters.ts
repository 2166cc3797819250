import type { CounterSlot } from '../../src/capture/index.js';

export const DISCARDED_HELP = 'Data or requests not turned into spans, by reason.';
const SAMPLING_HELP = 'HTTP/1 requests head-sampled in the kernel (kernel_sampling), by decision: dropped ones never reach the ring buffer.';
const AGG_FALLBACK_HELP = 'Requests kernel aggregation left to a ring record (exact path), by why: unfit = no response, 1xx/101, a head not followed, no Host or request line in the first 512 captured bytes, still pending when the connection ended; budget_full = a new series or template past kernel_aggregation_series.';

/** enum ks_counter in bpf/include/kernel_socket.h → where kernel_socket publishes it. */
export const KS_COUNTER_SLOTS: readonly CounterSlot[] = [
  [0, 'lumen_kernel_socket_bpf_records_total', 'Records the probes wrote to the ring buffer.'],
  [1, 'lumen_kernel_socket_ringbuf_drops_total', 'Records lost because the ring buffer was full.'],
  [2, 'lumen_kernel_socket_discarded_total', DISCARDED_HELP, { reason: 'non_http' }],
  [3, 'lumen_kernel_socket_discarded_total', DISCARDED_HELP, { reason: 'non_http_connection' }],
  [4, 'lumen_kernel_socket_discarded_total', DISCARDED_HELP, { reason: 'unsolicited_response' }],
  [5, 'lumen_kernel_socket_discarded_total', DISCARDED_HELP, { reason: 'pipeline_overflow' }],
  [6, 'lumen_kernel_socket_header_truncated_total', 'Header blocks longer than the probes follow (sizes may be off).'],
  [7, 'lumen_kernel_socket_discarded_total', DISCARDED_HELP, { reason: 'pending_requests_full' }],
  [8, 'lumen_kernel_socket_discarded_total', DISCARDED_HELP, { reason: 'connection_table_full' }],
  [9, 'lumen_kernel_socket_discarded_total', DISCARDED_HELP, { reason: 'incomplete_request_closed' }],
  [10, 'lumen_kernel_socket_incomplete_total', 'Requests reported with status 0 (no response), by why.', { reason: 'closed' }],
  [11, 'lumen_kernel_socket_read_faults_total', 'User memory the probes could not read.'],
  [12, 'lumen_kernel_socket_syscalls_total', 'Read/write calls seen on followed TCP connections.'],
  [13, 'lumen_kernel_socket_connections_total', 'TCP connections the probes started following.'],
  [14, 'lumen_kernel_socket_database_connections_total', 'Client connections recognised as a database or broker protocol (PostgreSQL, MySQL, Redis, memcached, Kafka).'],
  [15, 'lumen_kernel_socket_http2_connections_total', 'Connections recognised as HTTP/2 (preface, or frames of a connection older than the agent).'],
  [16, 'lumen_kernel_socket_discarded_total', DISCARDED_HELP, { reason: 'http2_frames_lost' }],
  [17, 'lumen_kernel_socket_sampling_total', SAMPLING_HELP, { result: 'kept' }],
  [18, 'lumen_kernel_socket_sampling_total', SAMPLING_HELP, { result: 'dropped' }],
  [19, 'lumen_kernel_socket_aggregated_requests_total', 'Requests added to a kernel series (kernel_aggregation): no ring record, no span of their own.'],
  [20, 'lumen_kernel_socket_aggregation_fallback_total', AGG_FALLBACK_HELP, { reason: 'unfit' }],
  [21, 'lumen_kernel_socket_aggregation_fallback_total', AGG_FALLBACK_HELP, { reason: 'budget_full' }],
];

const PROPAGATION_HELP = 'Context propagation (context_propagation: headers): outgoing HTTP/1 requests, by what was done.';

/** enum ks_prop_counter in bpf/include/ks_propagate.h (LUMEN_COUNTERS ks_prop_counters, one entry per slot). */
export const KS_PROP_COUNTER_SLOTS: readonly CounterSlot[] = [
  [0, 'lumen_kernel_socket_propagation_total', PROPAGATION_HELP, { result: 'injected' }],
  [1, 'lumen_kernel_socket_propagation_total', PROPAGATION_HELP, { result: 'already_present' }],
  [3, 'lumen_kernel_socket_propagation_total', PROPAGATION_HELP, { result: 'push_failed' }],
  [5, 'lumen_kernel_socket_propagation_total', PROPAGATION_HELP, { result: 'no_room' }],
  [2, 'lumen_kernel_socket_propagation_connections_given_up_total', 'Connections on which nothing more is injected: their request framing could not be followed (not HTTP/1, header block over 2 KiB, chunked body, a request started in bytes sent without the program).'],
];

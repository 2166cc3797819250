import type { BpfMap } from '../../src/bpf/types.js';
import { sumPerCpuU64 } from '../../src/bpf/map.js';
import type { Counter, SelfTelemetry } from '../../src/component/index.js';

/** enum ks_counter in bpf/include/kernel_socket.h, index → where it is published. */
const BPF_COUNTERS: ReadonlyArray<readonly [name: string, help: string, labels?: Record<string, string>]> = [
  ['lumen_kernel_socket_bpf_records_total', 'Records the probes wrote to the ring buffer.'],
  ['lumen_kernel_socket_ringbuf_drops_total', 'Records lost because the ring buffer was full.'],
  ['lumen_kernel_socket_discarded_total', 'Data or requests not turned into spans, by reason.', { reason: 'non_http' }],
  ['lumen_kernel_socket_discarded_total', '', { reason: 'non_http_connection' }],
  ['lumen_kernel_socket_discarded_total', '', { reason: 'unsolicited_response' }],
  ['lumen_kernel_socket_discarded_total', '', { reason: 'pipeline_overflow' }],
  ['lumen_kernel_socket_header_truncated_total', 'Header blocks longer than the probes follow (sizes may be off).'],
  ['lumen_kernel_socket_discarded_total', '', { reason: 'pending_requests_full' }],
  ['lumen_kernel_socket_discarded_total', '', { reason: 'connection_table_full' }],
  ['lumen_kernel_socket_discarded_total', '', { reason: 'incomplete_request_closed' }],
  ['lumen_kernel_socket_incomplete_total', 'Requests reported with status 0 (no response), by why.', { reason: 'closed' }],
  ['lumen_kernel_socket_read_faults_total', 'User memory the probes could not read.'],
  ['lumen_kernel_socket_syscalls_total', 'Read/write calls seen on followed TCP connections.'],
  ['lumen_kernel_socket_connections_total', 'TCP connections the probes started following.'],
];

export const DISCARDED_HELP = 'Data or requests not turned into spans, by reason.';

/**
 * Publishes the probes' per-CPU counters (ks_counters) as lumen_* counters: poll() adds what grew since the
 * last poll. The map is one entry of KS_COUNTERS_SLOTS u64 per CPU.
 */
export class BpfCounters {
  private readonly last: bigint[];
  private readonly counters: Counter[];
  private readonly key = Buffer.alloc(4);

  constructor(private readonly map: BpfMap, telemetry: SelfTelemetry) {
    this.counters = BPF_COUNTERS.map(([name, help, labels]) =>
      telemetry.counter(name, help || DISCARDED_HELP, labels));
    this.last = BPF_COUNTERS.map(() => 0n);
  }

  /** Current totals by index (summed over CPUs). */
  read(): bigint[] {
    const v = this.map.lookup(this.key);
    return v ? sumPerCpuU64(v, this.map.info.valueSize) : [];
  }

  poll(): void {
    const now = this.read();
    for (let i = 0; i < this.counters.length; i++) {
      const v = now[i] ?? 0n;
      const d = v - this.last[i]!;
      if (d > 0n) this.counters[i]!.add(Number(d));
      this.last[i] = v;
    }
  }
}

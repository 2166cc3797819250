import type { FeatureReport, ProbeId } from './types.js';

export type ReceiverStatus = 'full' | 'degraded' | 'unavailable';

export interface ReceiverSupport {
  /** Receiver type (as in pipelines.yaml) or capability name. */
  readonly name: string;
  /** Core receivers must run for `lumen doctor` to pass. */
  readonly core: boolean;
  readonly status: ReceiverStatus;
  /** One line: what it does here. */
  readonly summary: string;
  /** What is missing and what to change. */
  readonly missing: ReadonlyArray<{ readonly what: string; readonly fix: string }>;
}

interface Need { probe: ProbeId; what: string }
interface Rule {
  name: string;
  core: boolean;
  does: string;
  /** Every group must have at least one available probe. */
  required: Need[][];
  optional: Array<Need & { loses: string }>;
}

const RULES: Rule[] = [
  {
    // Socket-layer tracepoints (tp_btf) only: syscall tracepoints would slow every syscall of every process.
    name: 'kernel_socket', core: true, does: 'HTTP/1.x spans and RED metrics from the socket layer\'s tracepoints',
    required: [[{ probe: 'tp_btf_sock_io', what: 'tp_btf sock_recv_length/sock_send_length' }], [{ probe: 'tp_btf_sock', what: 'tp_btf inet_sock_set_state' }], [{ probe: 'ringbuf', what: 'ring buffers' }]],
    optional: [],
  },
  {
    name: 'network_flow', core: true, does: 'L3/L4 flow bytes and packets per interface',
    required: [[{ probe: 'tc', what: 'TC clsact' }, { probe: 'socket_filter', what: 'AF_PACKET socket filters' }]],
    optional: [
      { probe: 'tc', what: 'TC clsact', loses: 'per-direction capture on chosen interfaces (uses socket filters)' },
      { probe: 'tp_btf_sock', what: 'tp_btf socket tracepoints', loses: 'TCP health events (connect, failures, retransmits)' },
    ],
  },
  {
    name: 'tls_uprobe', core: false, does: 'plaintext of OpenSSL/Node TLS traffic (SSL_read/SSL_write)',
    required: [[{ probe: 'uprobe', what: 'uprobes' }], [{ probe: 'uretprobe', what: 'uretprobes' }], [{ probe: 'tp_btf_sock_io', what: 'tp_btf sock_recv_length/sock_send_length' }], [{ probe: 'ringbuf', what: 'ring buffers' }]],
    optional: [],
  },
  {
    name: 'go_uprobe', core: false, does: 'Go net/http, gRPC and TLS via uprobes (returns probed at RET instructions)',
    required: [[{ probe: 'uprobe', what: 'uprobes' }], [{ probe: 'ringbuf', what: 'ring buffers' }]],
    optional: [],
  },
  {
    name: 'context_propagation', core: false, does: 'inject a Traceparent header into outgoing HTTP/1 requests',
    required: [[{ probe: 'sk_msg', what: 'sk_msg on a sockhash' }, { probe: 'probe_write_user', what: 'bpf_probe_write_user' }],
      [{ probe: 'sock_ops', what: 'cgroup sock_ops' }, { probe: 'probe_write_user', what: 'bpf_probe_write_user' }]],
    optional: [],
  },
];

/** What each receiver can do with the probed features, and what to change for what it cannot. */
export function receiverSupport(report: FeatureReport): ReceiverSupport[] {
  const ok = (p: ProbeId) => report.probes[p].status === 'yes';
  const fix = (p: ProbeId) => report.probes[p].fix ?? report.probes[p].detail;
  return RULES.map((r) => {
    const missing: Array<{ what: string; fix: string }> = [];
    let usable = true;
    for (const group of r.required) {
      if (group.some((n) => ok(n.probe))) continue;
      usable = false;
      for (const n of group) if (!missing.some((m) => m.what === n.what)) missing.push({ what: n.what, fix: fix(n.probe) });
    }
    let degraded = false;
    if (usable) {
      for (const o of r.optional) {
        if (ok(o.probe)) continue;
        degraded = true;
        missing.push({ what: `${o.what} (without it: no ${o.loses})`, fix: fix(o.probe) });
      }
    }
    const status: ReceiverStatus = !usable ? 'unavailable' : degraded ? 'degraded' : 'full';
    return { name: r.name, core: r.core, status, summary: r.does, missing };
  });
}

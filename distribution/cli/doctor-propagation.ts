import type { FeatureReport } from '../../src/bpf/features/index.js';

/** What `lumen doctor` says about context propagation (kernel_socket.context_propagation: headers). */
export interface PropagationSupport {
  available: boolean;
  /** How headers get in: the kernel features it uses. */
  how: string;
  /** Requests it cannot modify, and what stands in for it there. */
  unmodifiable: string[];
  fix?: string;
}

export function propagationSupport(report: FeatureReport): PropagationSupport {
  const missing = (['sock_ops', 'sk_msg'] as const).filter((p) => report.probes[p].status !== 'yes');
  return {
    available: missing.length === 0,
    how: 'cgroup sock_ops + sk_msg (bpf_msg_push_data) insert "traceparent" into outgoing HTTP/1 requests of instrumented processes',
    unmodifiable: [
      'TLS (tls_uprobe): the bytes on the wire are encrypted after the library call the probe sees',
      'HTTP/2 and gRPC: header blocks are HPACK-compressed inside frames',
      'HTTP/1 connections opened before the agent started, and requests whose framing it cannot follow (chunked bodies, header blocks over 2 KiB)',
    ],
    fix: missing.length ? missing.map((p) => `${p}: ${report.probes[p].fix ?? report.probes[p].detail}`).join('; ') : undefined,
  };
}

export function formatPropagation(p: PropagationSupport): string {
  const lines = ['', 'Context propagation (kernel_socket.context_propagation: headers, off by default)'];
  lines.push(p.available ? `    ✓ available: ${p.how}` : `    ✗ unavailable: ${p.how}\n      → ${p.fix}`);
  lines.push('    requests it cannot modify (their spans are joined on this host only, by trace_join):');
  for (const u of p.unmodifiable) lines.push(`      - ${u}`);
  return `${lines.join('\n')}\n`;
}

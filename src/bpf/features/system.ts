import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import type { Capability, LockdownMode, ProbeId } from './types.js';

export function kernelVersion(): { release: string; major: number; minor: number } {
  const r = release();
  const m = /^(\d+)\.(\d+)/.exec(r);
  return { release: r, major: m ? Number(m[1]) : 0, minor: m ? Number(m[2]) : 0 };
}

export function hasBtf(): boolean {
  return existsSync('/sys/kernel/btf/vmlinux');
}

// name, bit, why, in a container (true, or the probes that need it there). Measured on 6.18 in a podman container with the host's file systems
// mounted (docs/deployment/capabilities.md): kernel_socket and network_flow need no CAP_SYS_ADMIN; uprobes do.
const WANTED: ReadonlyArray<[string, number, string, true | readonly ProbeId[]]> = [
  ['CAP_BPF', 39, 'load BPF programs and create maps', true],
  ['CAP_PERFMON', 38, 'attach tracepoints, uprobes and kprobes; read kernel memory', true],
  ['CAP_SYS_ADMIN', 21, 'uprobes (tls_uprobe); BPF before Linux 5.8; mounting bpffs/tracefs', ['uprobe', 'uretprobe']],
  ['CAP_NET_ADMIN', 12, 'TC clsact filters, cgroup sock_ops, sk_msg/sockhash', true],
  ['CAP_NET_RAW', 13, 'AF_PACKET sockets for socket filters', true],
  ['CAP_SYS_PTRACE', 19, "read other processes' /proc/PID/{exe,maps,environ}", true],
  ['CAP_DAC_READ_SEARCH', 2, "open other users' binaries for uprobes", true],
  ['CAP_SYS_NICE', 23, 'take the normal CPU priority back after yielding (service.cpu_priority: adaptive)', true],
];

/** The capabilities Lumen uses, from this process's effective set (/proc/self/status CapEff). */
export function capabilities(status = readFileSync('/proc/self/status', 'utf8')): Capability[] {
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(status);
  const eff = m ? BigInt(`0x${m[1]}`) : 0n;
  return WANTED.map(([name, bit, why, inContainer]) => ({ name, bit, why, inContainer, present: ((eff >> BigInt(bit)) & 1n) === 1n }));
}

/** Privileged enough for every probe: CAP_BPF + CAP_PERFMON + CAP_NET_ADMIN, or CAP_SYS_ADMIN (older kernels). */
export function isPrivileged(caps: readonly Capability[]): boolean {
  const has = (n: string) => caps.some((c) => c.name === n && c.present);
  return (has('CAP_BPF') && has('CAP_PERFMON') && has('CAP_NET_ADMIN')) || (has('CAP_SYS_ADMIN') && has('CAP_NET_ADMIN'));
}

/** Lockdown from securityfs ("none [integrity] confidentiality"), else from the kernel command line. */
export function lockdownMode(securityfsMounted: boolean): { mode: LockdownMode; source: string } {
  const file = '/sys/kernel/security/lockdown';
  if (securityfsMounted && existsSync(file)) {
    const m = /\[(\w+)\]/.exec(readFileSync(file, 'utf8'));
    if (m && (m[1] === 'none' || m[1] === 'integrity' || m[1] === 'confidentiality')) return { mode: m[1], source: file };
  }
  const cmd = safeRead('/proc/cmdline');
  const c = /(?:^|\s)lockdown=(integrity|confidentiality|none)(?:\s|$)/.exec(cmd);
  if (c) return { mode: c[1] as LockdownMode, source: '/proc/cmdline' };
  return { mode: 'unknown', source: `${file} unreadable (securityfs not mounted)` };
}

function safeRead(p: string): string {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}

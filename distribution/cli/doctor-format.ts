import type { FeatureReport, ProbeResult, ReceiverSupport } from '../../src/bpf/features/index.js';

const MARK = { yes: '✓', no: '✗', unknown: '?', full: '✓', degraded: '~', unavailable: '✗' } as const;

function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

const PRIV = 'needs privileges: run as root or grant the capabilities listed above';

function fixOf(p: ProbeResult): string {
  return p.reason === 'permission' ? PRIV : p.fix ?? '';
}

/** The human-readable `lumen doctor` report. */
export function formatDoctor(r: FeatureReport, receivers: readonly ReceiverSupport[], others: readonly { kind: string; type: string }[] = []): string {
  const out: string[] = [];
  out.push('Kernel');
  out.push(table([
    ['  release', r.kernel.release],
    ['  BTF', r.btf ? '✓ /sys/kernel/btf/vmlinux' : '✗ missing: CO-RE probes need CONFIG_DEBUG_INFO_BTF=y'],
    ['  lockdown', `${r.lockdown} (${r.lockdownSource})`],
    ['  libbpf', r.libbpf],
  ]));
  out.push('', `Privileges (uid ${r.uid})`);
  out.push(table(r.capabilities.map((c) => [`  ${c.present ? '✓' : '✗'} ${c.name}`, c.why])));
  out.push('', 'File systems');
  out.push(table(r.mounts.map((m) => [`  ${m.state === 'mounted' || m.state === 'mounted-now' ? '✓' : '✗'} ${m.fs}`, m.path, m.detail ?? ''])));
  out.push('', `Program and attach types (loaded here, in ${r.probeMs} ms)`);
  out.push(table(Object.values(r.probes).map((p) => [`  ${MARK[p.status]} ${p.id}`, p.status === 'yes' ? p.detail : `${p.detail}\n      → ${fixOf(p)}`])));
  out.push('', 'Receivers (as registered in this build; what each needs from this kernel)');
  for (const s of receivers) {
    out.push(`  ${MARK[s.status]} ${s.name.padEnd(20)} ${s.status}${s.core ? ' (core)' : ''}: ${s.summary}`);
    if (s.needs.length) out.push(`      needs ${s.needs.map((n) => `${n.present ? '✓' : '✗'} ${n.what}${n.optional ? ' (optional)' : ''}`).join(', ')}`);
    for (const m of s.missing) out.push(`      missing ${m.what}\n        → ${r.privileged ? m.fix : PRIV}`);
  }
  for (const kind of ['processor', 'exporter']) {
    const types = others.filter((o) => o.kind === kind).map((o) => o.type);
    if (types.length) out.push('', `${kind[0]!.toUpperCase()}${kind.slice(1)}s (need nothing from the kernel): ${types.join(', ')}`);
  }
  return `${out.join('\n')}\n`;
}

/** The message for a process without the capabilities BPF needs. */
export function formatUnprivileged(r: FeatureReport): string {
  const missing = r.capabilities.filter((c) => !c.present);
  return [
    `lumen doctor: this process (uid ${r.uid}) lacks the privileges Lumen needs to load BPF programs.`,
    'Run Lumen as root, or grant these capabilities (e.g. `setcap`, or `cap_add` in a container):',
    ...missing.map((c) => `  ${c.name.padEnd(20)} ${c.why}`),
    'The table below shows what this process could do as it is.',
    '',
  ].join('\n');
}

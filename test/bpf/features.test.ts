// Feature probing on this kernel (6.18, lockdown=integrity, no kprobes): the facts in DESIGN.md §1.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { can, cgroup2Path, getFeatures, receiverSupport } from '../../src/bpf/features/index.js';
import { capabilities, lockdownMode } from '../../src/bpf/features/system.js';
import { readMounts } from '../../src/bpf/features/mounts.js';
import { ensureBpfObject, kernelSnapshot } from './support/kernel.js';
import { sh } from './support/net.js';
import { BUILTIN_FACTORIES } from '../../distribution/builtins.js';
import type { ReceiverFactory } from '../../src/component/index.js';

const RECEIVERS = BUILTIN_FACTORIES.filter((f): f is ReceiverFactory<unknown> => f.kind === 'receiver');

for (const o of ['features', 'features_ringbuf', 'features_skmsg']) ensureBpfObject(o);

test('probes load tiny programs and report what this kernel accepts; results are cached', () => {
  const before = kernelSnapshot();
  const r = getFeatures({ refresh: true });
  assert.equal(r.btf, true);
  assert.equal(r.lockdown, 'integrity');
  assert.equal(r.privileged, true);
  for (const id of ['tracepoint', 'tp_btf', 'tp_btf_sock', 'tp_btf_sock_io', 'raw_tp', 'uprobe', 'uretprobe', 'socket_filter', 'tc', 'sock_ops', 'sk_msg', 'ringbuf'] as const) {
    assert.equal(r.probes[id].status, 'yes', `${id}: ${r.probes[id].detail}`);
  }
  assert.equal(r.probes.kprobe.status, 'no');
  assert.match(r.probes.kprobe.detail, /kprobe/);
  assert.equal(r.probes.fentry.status, 'no');
  assert.match(r.probes.fentry.detail, /lockdown/);
  assert.equal(r.probes.probe_write_user.status, 'no');
  assert.match(r.probes.probe_write_user.detail, /cannot use helper bpf_probe_write_user/);
  assert.equal(getFeatures(), r, 'cached');
  assert.equal(can('tracepoint'), true);
  assert.equal(can('kprobe'), false);
  const names = new Set(['probe_kprobe', 'probe_fentry', 'probe_tracepoint', 'probe_tc', 'probe_sockops', 'probe_sk_msg', 'probe_ringbuf', 'probe_uprobe', 'probe_socket']);
  const after = kernelSnapshot();
  // Ours by fd: other processes on this host probe the same features at the same time.
  const left = [...after.own.links].filter((id) => !before.own.links.has(id)).filter((id) => names.has(after.progs.get(after.links.get(id) ?? 0) ?? ''));
  assert.deepEqual(left, [], 'no probe link left');
  assert.doesNotMatch(sh('ip', ['link']), /lprb\d+/, 'scratch veth removed');
  assert.ok(!readdirSync(cgroup2Path()!).some((d) => d.startsWith('lumen_probe_')), 'scratch cgroup removed');
});

test('receivers: every built-in one runs here', () => {
  const s = receiverSupport(getFeatures(), RECEIVERS);
  for (const r of s) assert.equal(r.status, 'full', `${r.name}: ${JSON.stringify(r.missing)}`);
  assert.deepEqual(s.filter((r) => r.core).map((r) => r.name).sort(), ['kernel_socket', 'network_flow']);
});

test('receiver rules degrade and fail as the probes say', () => {
  const r = getFeatures();
  const without = (...ids: string[]) => ({
    ...r,
    probes: Object.fromEntries(Object.entries(r.probes).map(([k, v]) => [k, ids.includes(k) ? { ...v, status: 'no' as const, fix: `fix ${k}` } : v])) as typeof r.probes,
  });
  const flow = (x: typeof r) => receiverSupport(x, RECEIVERS).find((s) => s.name === 'network_flow')!;
  assert.equal(flow(without('tc')).status, 'degraded');
  assert.equal(flow(without('tc', 'socket_filter')).status, 'unavailable');
  assert.deepEqual(flow(without('tc', 'socket_filter')).missing.map((m) => m.fix), ['fix tc', 'fix socket_filter']);
  assert.equal(receiverSupport(without('ringbuf'), RECEIVERS).find((s) => s.name === 'kernel_socket')!.status, 'unavailable');
});

test('parsers: CapEff bits, lockdown brackets, cgroup2 in hybrid mode', () => {
  const caps = capabilities('CapEff:\t000000c000003000\n');
  assert.deepEqual(caps.filter((c) => c.present).map((c) => c.name).sort(), ['CAP_BPF', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_PERFMON']);
  assert.equal(lockdownMode(true).mode, 'integrity');
  assert.equal(cgroup2Path(readMounts('cgroup /sys/fs/cgroup/cpu cgroup rw 0 0\ncgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0\n')), '/sys/fs/cgroup/unified');
  assert.equal(cgroup2Path(readMounts('cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n')), '/sys/fs/cgroup');
  assert.equal(cgroup2Path(readMounts('')), undefined);
});

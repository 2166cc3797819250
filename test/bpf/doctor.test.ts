// `lumen doctor` as root (in-process) and as an unprivileged user (a real child process).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, chmodSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { runDoctor } from '../../distribution/cli/doctor.js';
import type { Io } from '../../distribution/cli/io.js';
import type { ReceiverFactory } from '../../src/component/index.js';
import { ensureBpfObject } from './support/kernel.js';

for (const o of ['features', 'features_ringbuf', 'features_skmsg']) ensureBpfObject(o);
const root = fileURLToPath(new URL('../..', import.meta.url));

function capture(): Io & { out: string; err: string } {
  const io = { out: '', err: '', env: process.env, stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t) };
  return io;
}

test('as root: the table, every receiver, exit 0', () => {
  const io = capture();
  assert.equal(runDoctor({}, io), 0);
  assert.match(io.out, /lockdown\s+integrity/);
  assert.match(io.out, /✓ tracepoint\s+loaded and attached/);
  assert.match(io.out, /✗ kprobe .*\n\s+→ needs CONFIG_KPROBES=y/);
  assert.match(io.out, /✗ probe_write_user .*\n\s+→ refused under kernel lockdown/);
  assert.match(io.out, /✓ kernel_socket\s+full \(core\)/);
  assert.match(io.out, /OK: the core receivers can run on this host/);
  assert.equal(io.err, '');
});

test('--json prints one parseable report', () => {
  const io = capture();
  assert.equal(runDoctor({ json: true }, io), 0);
  const r = JSON.parse(io.out) as { ok: boolean; probes: Record<string, { status: string }>; receivers: Array<{ name: string }> };
  assert.equal(r.ok, true);
  assert.equal(r.probes.sk_msg?.status, 'yes');
  assert.deepEqual(r.receivers.map((x) => x.name).sort(), ['kernel_socket', 'network_flow', 'replay', 'tls_uprobe']);
});

test('lists only the registered components, each with what it needs and whether this kernel has it', () => {
  const io = capture();
  // an embedding program's own receiver that needs kprobes (absent here): listed, unavailable, not core → exit 0
  const kprobeReceiver: ReceiverFactory<unknown> = {
    type: 'kprobe_thing', kind: 'receiver', signals: ['traces'], schema: { type: 'object' }, defaultConfig: () => ({}),
    kernelNeeds: { core: false, does: 'something through kprobes', required: [[{ probe: 'kprobe', what: 'kprobes' }]], optional: [] },
    create: () => { throw new Error('not created by doctor'); },
  };
  assert.equal(runDoctor({}, io, [kprobeReceiver]), 0);
  assert.doesNotMatch(io.out, /go_uprobe/, 'nothing that does not exist');
  assert.match(io.out, /Context propagation \(kernel_socket\.context_propagation: headers, off by default\)\n {4}✓ available: cgroup sock_ops \+ sk_msg/);
  assert.match(io.out, /cannot modify .*trace_join.*\n\s+- TLS \(tls_uprobe\).*\n\s+- HTTP\/2 and gRPC/);
  const receivers = io.out.slice(io.out.indexOf('Receivers'));
  const listed = [...receivers.matchAll(/^ {2}[✓~✗] (\w+)/gm)].map((m) => m[1]);
  assert.deepEqual(listed.sort(), ['kernel_socket', 'kprobe_thing', 'network_flow', 'replay', 'tls_uprobe']);
  assert.match(io.out, /✓ kernel_socket\s+full \(core\): .*\n\s+needs ✓ tp_btf sock_recv_length\/sock_send_length, ✓ tp_btf inet_sock_set_state, ✓ ring buffers\n/);
  assert.match(io.out, /✓ network_flow\s+full \(core\): .*\n\s+needs ✓ TC clsact, ✓ AF_PACKET socket filters, ✓ tp_btf socket tracepoints \(optional\)\n/);
  assert.match(io.out, /✓ tls_uprobe\s+full: .*\n\s+needs ✓ uprobes, ✓ uretprobes, /);
  assert.match(io.out, /✓ replay\s+full: needs nothing from the kernel\n/);
  assert.match(io.out, /✗ kprobe_thing\s+unavailable: something through kprobes\n\s+needs ✗ kprobes\n\s+missing kprobes\n\s+→ needs CONFIG_KPROBES=y/);
  assert.match(io.out, /Processors \(need nothing from the kernel\): .*\broutes\b/);
  assert.match(io.out, /Exporters \(need nothing from the kernel\): .*\bprometheus\b/);
});

test('as nobody through the real CLI: a clear message listing the capabilities, exit 1, no stack trace', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lumen-doctor-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const script = join(dir, 'doctor.mts');
  writeFileSync(script, `import { main } from ${JSON.stringify(join(root, 'distribution/cli/main.ts'))};\nprocess.exitCode = await main(['node', 'lumen', 'doctor']);\n`);
  chmodSync(dir, 0o755);
  chmodSync(script, 0o644);
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--import', 'tsx', script], {
    cwd: root, env: { ...process.env, HOME: '/tmp' }, encoding: 'utf8', timeout: 60000,
  });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /uid 65534\) lacks the privileges Lumen needs/);
  assert.match(r.stderr, /CAP_BPF\s+load BPF programs/);
  assert.match(r.stdout, /✗ tracepoint .*Operation not permitted/);
  assert.match(r.stdout, /NOT OK/);
  assert.doesNotMatch(r.stdout + r.stderr, /^\s+at .*\(.*:\d+:\d+\)$/m, 'no stack trace');
});

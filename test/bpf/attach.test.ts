// Load, attach and detach every supported program type on this kernel (bpf/test_probe.bpf.c).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openObject, type BpfObject } from '../../src/bpf/index.js';
import { ensureBpfObject, kernelSnapshot, ownedSince, stillLoaded } from './support/kernel.js';
import { PyChild, createVeth, sh } from './support/net.js';
import { Kind, callGetppid, decode, stat, traceTgid, waitFor, type TestRecord } from './support/test-probe.js';

const path = ensureBpfObject('test_probe');
const LIBC = '/lib/x86_64-linux-gnu/libc.so.6';

/** Opens test_probe, traces `tgid`, collects its ring-buffer records; closes (and checks the kernel) after the test. */
function setup(t: { after(fn: () => Promise<void> | void): void }, tgid = process.pid): { obj: BpfObject; recs: TestRecord[] } {
  const before = kernelSnapshot();
  const obj = openObject(path);
  const owned = ownedSince(before, kernelSnapshot(), obj.programs);
  assert.equal(owned.progs.length, obj.programs.length, 'every program of the object is found by our fds (else the leak check proves nothing)');
  traceTgid(obj, tgid);
  const recs: TestRecord[] = [];
  obj.ringBuffer('events', { pollTimeoutMs: 10 }).subscribe((b) => decode(b, recs));
  t.after(async () => {
    const links = [...kernelSnapshot().links].filter(([, prog]) => owned.progs.includes(prog)).map(([id]) => id);
    obj.close();
    assert.deepEqual(await stillLoaded({ ...owned, links }), { progs: [], maps: [], links: [] }, 'nothing of ours remains after close()');
  });
  return { obj, recs };
}

const count = (recs: TestRecord[], kind: number) => recs.filter((r) => r.kind === kind).length;

test('syscall tracepoint, by section and by attachTracepoint; detach stops events', async (t) => {
  const { obj, recs } = setup(t);
  const link = obj.attachTracepoint('tp_getppid', 'syscalls', 'sys_enter_getppid');
  const now = kernelSnapshot();
  const progId = [...now.own.progs].find((id) => now.progs.get(id) === 'tp_getppid');
  assert.ok([...kernelSnapshot().links.values()].includes(progId!), 'the link is visible in bpftool link list');
  callGetppid(100);
  await waitFor(() => count(recs, Kind.tracepoint) === 100);
  link.close();
  callGetppid(100);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(count(recs, Kind.tracepoint), 100, 'no events after detach');
  obj.attach('tp_getppid');
  callGetppid(10);
  await waitFor(() => count(recs, Kind.tracepoint) === 110);
});

test('tp_btf and raw_tp programs attach (by section and by name) and fire', async (t) => {
  const { obj, recs } = setup(t);
  const a = obj.attach('btf_sys_enter');
  const b = obj.attachTracepoint('raw_sys_enter', 'raw_syscalls', 'sys_enter');
  callGetppid(20);
  await waitFor(() => count(recs, Kind.tpBtf) === 20 && count(recs, Kind.rawTp) === 20, 3000, 'tp_btf and raw_tp events');
  assert.ok(recs.filter((r) => r.kind === Kind.tpBtf).every((r) => r.value === 110n), 'tp_btf read the syscall id argument');
  a.close();
  b.close();
  obj.attachTracepoint('btf_sys_enter', 'raw_syscalls', 'sys_enter').close();
  assert.throws(() => obj.attachTracepoint('btf_sys_enter', 'sched', 'sched_switch'), /bound at load time/);
  obj.attach('raw_sys_enter');
  callGetppid(5);
  await waitFor(() => count(recs, Kind.rawTp) === 25);
});

test('uprobe and uretprobe on libc getpid(), by symbol (one pid) and by file offset (all pids)', async (t) => {
  const child = new PyChild('[os.getpid() for _ in range(25)]');
  t.after(() => child.stop());
  await child.expect('ready');
  const { obj, recs } = setup(t, child.pid);
  const enter = obj.attachUprobe('up_enter', { binary: LIBC, symbol: 'getpid', pid: child.pid });
  const ret = obj.attachUprobe('up_return', { binary: LIBC, symbol: 'getpid', pid: child.pid, retprobe: true });
  await child.go();
  await waitFor(() => count(recs, Kind.uprobe) === 25 && count(recs, Kind.uretprobe) === 25, 3000, 'uprobe events');
  assert.ok(recs.filter((r) => r.kind === Kind.uretprobe).every((r) => r.value === BigInt(child.pid)), 'uretprobe saw getpid() return the pid');
  enter.close();
  ret.close();
  // The same function by file offset (symbol value → file offset through the PT_LOAD segment), for every process.
  obj.attachUprobe('up_enter', { binary: LIBC, offset: fileOffset(LIBC, 'getpid') });
  await child.go();
  await waitFor(() => count(recs, Kind.uprobe) === 50, 3000, 'offset uprobe events');
  assert.equal(count(recs, Kind.uretprobe), 25);
});

test('socket filter on lo counts packets; detaching stops it', async (t) => {
  const { obj } = setup(t);
  const link = obj.attachSocketFilter('sock_count', 'lo');
  const before = stat(obj, 2);
  await loopbackTraffic(19301);
  await waitFor(() => stat(obj, 2) > before, 2000, 'socket filter packets');
  link.close();
  const after = stat(obj, 2);
  await loopbackTraffic(19302);
  assert.equal(stat(obj, 2), after, 'no packets counted after detach');
});

test('TC by tcx links (the default on kernel >= 6.6): ingress and egress count packets; no clsact qdisc; close detaches', async (t) => {
  const veth = createVeth('tx', 2);
  t.after(() => veth.remove());
  const obj = openObject(path);
  try {
    const a = obj.attachTc('tc_ingress', veth.host, 'ingress');
    const b = obj.attachTc('tc_egress', veth.host, 'egress');
    assert.deepEqual([a.mode, b.mode], ['tcx', 'tcx']);
    assert.doesNotMatch(sh('tc', ['qdisc', 'show', 'dev', veth.host]), /clsact/, 'tcx needs no qdisc');
    await udpTo(veth.peerIp, 19304);
    await waitFor(() => stat(obj, 3) > 0n && stat(obj, 4) > 0n, 3000, 'tcx ingress and egress packets');
    b.close();
    const egress = stat(obj, 4);
    await udpTo(veth.peerIp, 19305);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(stat(obj, 4), egress, 'no egress packets counted after the tcx link closed');
  } finally {
    obj.close();
  }
});

test('TC clsact (legacy: true) ingress and egress on a veth; our clsact is removed on close, a pre-existing one is kept', async (t) => {
  const veth = createVeth('tc', 1);
  t.after(() => veth.remove());
  {
    const obj = openObject(path);
    try {
      assert.equal(obj.attachTc('tc_ingress', veth.host, 'ingress', { legacy: true }).mode, 'clsact');
      obj.attachTc('tc_egress', veth.host, 'egress', { legacy: true });
      assert.match(sh('tc', ['qdisc', 'show', 'dev', veth.host]), /clsact/);
      await udpTo(veth.peerIp, 19303);
      await waitFor(() => stat(obj, 3) > 0n && stat(obj, 4) > 0n, 3000, 'TC ingress and egress packets');
    } finally {
      obj.close();
    }
    assert.doesNotMatch(sh('tc', ['qdisc', 'show', 'dev', veth.host]), /clsact/, 'the clsact we created is gone');
  }
  sh('tc', ['qdisc', 'add', 'dev', veth.host, 'clsact']);
  const obj = openObject(path);
  try {
    const l = obj.attachTc('tc_egress', veth.host, 'egress', { legacy: true });
    assert.match(sh('tc', ['filter', 'show', 'dev', veth.host, 'egress']), /tc_egress/);
    l.close();
    assert.doesNotMatch(sh('tc', ['filter', 'show', 'dev', veth.host, 'egress']), /tc_egress/, 'filter detached');
  } finally {
    obj.close();
  }
  assert.match(sh('tc', ['qdisc', 'show', 'dev', veth.host]), /clsact/, 'a clsact someone else created stays');
});

test('cgroup sock_ops fills a sockhash; sk_msg on it sees the messages of sockets in the cgroup', async (t) => {
  const cg = `/sys/fs/cgroup/unified/lumen_bpf_test_${process.pid}`;
  sh('mkdir', ['-p', cg]);
  const { obj } = setup(t);
  t.after(() => sh('rmdir', [cg]));
  obj.attachCgroup('sockops_track', cg);
  obj.attachSkMsg('skmsg_count', 'sock_hash');
  const { createServer } = await import('node:net');
  const received: Buffer[] = [];
  const server = createServer((s) => s.on('data', (d) => received.push(d)));
  await new Promise<void>((r) => server.listen(19304, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  // The client joins the cgroup before it creates its socket.
  const client = new PyChild(
    'import socket; s = socket.create_connection(("127.0.0.1", 19304)); s.sendall(b"hello-sk-msg"); s.close()',
    ['sh', '-c', `echo $$ > ${cg}/cgroup.procs && exec "$@"`, 'sh'],
  );
  t.after(() => client.stop());
  await client.expect('ready');
  await client.go();
  await waitFor(() => Buffer.concat(received).toString() === 'hello-sk-msg', 3000, 'the server to receive the message');
  assert.ok(stat(obj, 5) >= 1n, 'sock_ops saw the connection established');
  await waitFor(() => stat(obj, 6) >= 1n, 2000, 'sk_msg to run');
  await client.stop();
});

function fileOffset(binary: string, symbol: string): number {
  const sym = sh('nm', ['-D', binary]).split('\n').find((l) => l.split(/\s+/)[2]?.split('@')[0] === symbol);
  if (!sym) throw new Error(`${symbol} not in ${binary}`);
  const vaddr = parseInt(sym.split(/\s+/)[0]!, 16);
  for (const l of sh('readelf', ['-lW', binary]).split('\n')) {
    const f = l.trim().split(/\s+/);
    if (f[0] !== 'LOAD') continue;
    const [off, va, , , memsz] = f.slice(1, 6).map((x) => parseInt(x, 16)) as [number, number, number, number, number];
    if (vaddr >= va && vaddr < va + memsz) return vaddr - va + off;
  }
  throw new Error(`no PT_LOAD holds ${symbol}`);
}

async function loopbackTraffic(port: number): Promise<void> {
  const { createServer, connect } = await import('node:net');
  const server = createServer((s) => s.resume().end('pong'));
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  await new Promise<void>((resolve, reject) => {
    const c = connect(port, '127.0.0.1', () => c.write('ping'));
    c.on('data', () => c.end());
    c.on('close', () => resolve());
    c.on('error', reject);
  });
  await new Promise<void>((r) => server.close(() => r()));
}

async function udpTo(ip: string, port: number): Promise<void> {
  const { createSocket } = await import('node:dgram');
  const s = createSocket('udp4');
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => s.send('x', port, ip, () => r()));
  await new Promise((r) => setTimeout(r, 100));
  s.close();
}


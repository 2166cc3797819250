// Bad input gives clear, coded errors, and the process stays healthy.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { BpfError, bpfObjectPath, openObject, openObjectAsync } from '../../src/bpf/index.js';
import { ensureBpfObject, kernelSnapshot, ownedSince, stillLoaded } from './support/kernel.js';
import { callGetppid, traceTgid } from './support/test-probe.js';

const probe = ensureBpfObject('test_probe');
const bad = ensureBpfObject('test_bad');

function codeOf(fn: () => unknown): BpfError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof BpfError, `a BpfError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected an error');
}

test('a missing object file', () => {
  const e = codeOf(() => openObject(bpfObjectPath('no_such_family')));
  assert.equal(e.code, 'LUMEN_BPF_OPEN');
  assert.match(e.message, /no_such_family\.bpf\.o not found .*make -C bpf/);
  const e2 = codeOf(() => openObject('/etc/hostname'));
  assert.equal(e2.code, 'LUMEN_BPF_OPEN');
});

test('a program the verifier rejects: LUMEN_BPF_LOAD with the verifier log; nothing stays loaded', async () => {
  const before = kernelSnapshot();
  const e = codeOf(() => openObject(bad));
  assert.equal(e.code, 'LUMEN_BPF_LOAD');
  assert.match(e.message, /program 'bad_read'/);
  assert.match(e.message, /invalid mem access/);
  assert.match(e.verifierLog ?? '', /R0 invalid mem access 'map_value_or_null'/);
  assert.ok((e.verifierLog ?? '').split('\n').length > 3, 'the whole log, not one line');
  const left = ownedSince(before, kernelSnapshot(), ['good', 'bad_read']);
  assert.deepEqual(await stillLoaded(left), { progs: [], maps: [], links: [] });
  const ok = openObject(bad, { disabledPrograms: ['bad_read'] });
  assert.throws(() => ok.attach('bad_read'), /was not loaded \(it is in disabledPrograms\)/);
  ok.attach('good');
  ok.close();
});

test('openObjectAsync: the load runs off the JS thread, two at once, with the same coded errors; nothing stays loaded', async () => {
  const before = kernelSnapshot();
  let turns = 0;
  const ticker = setInterval(() => turns++, 0);
  const [ok, rejected] = await Promise.allSettled([openObjectAsync(probe), openObjectAsync(bad)]);
  clearInterval(ticker);
  assert.equal(ok.status, 'fulfilled');
  const obj = (ok as PromiseFulfilledResult<Awaited<ReturnType<typeof openObjectAsync>>>).value;
  assert.ok(obj.programs.includes('tp_getppid'));
  obj.close();
  assert.equal(rejected.status, 'rejected');
  const e = (rejected as PromiseRejectedResult).reason as BpfError;
  assert.ok(e instanceof BpfError);
  assert.equal(e.code, 'LUMEN_BPF_LOAD');
  assert.match(e.message, /program 'bad_read'.*invalid mem access/);
  assert.match(e.verifierLog ?? '', /R0 invalid mem access 'map_value_or_null'/);
  assert.ok(turns > 0, 'the event loop ran while the objects loaded');
  await assert.rejects(openObjectAsync(bpfObjectPath('no_such_family')), /not found/);
  const left = ownedSince(before, kernelSnapshot(), ['good', 'bad_read', 'tp_getppid']);
  assert.deepEqual(await stillLoaded(left), { progs: [], maps: [], links: [] });
});

test('bad open options name what is wrong and what is allowed', () => {
  assert.match(codeOf(() => openObject(probe, { rodata: { nope: 1 } })).message, /rodata\.nope: no such `const volatile` variable; known: .*tag/);
  assert.match(codeOf(() => openObject(probe, { rodata: { tag: 2 ** 40 } })).message, /rodata\.tag: exceeds the maximum 2147483647 of its 32-bit type/);
  assert.match(codeOf(() => openObject(probe, { rodata: { tag: 1.5 } })).message, /rodata\.tag: must be an integer/);
  assert.match(codeOf(() => openObject(probe, { rodata: { tag: 'x' as unknown as number } })).message, /must be a number, bigint or boolean/);
  assert.equal(codeOf(() => openObject(probe, { mapSizes: { nope: 1 } })).code, 'LUMEN_BPF_NO_SUCH_MAP');
  assert.match(codeOf(() => openObject(probe, { mapSizes: { events: 0 } })).message, /mapSizes\.events: must be an integer from 1/);
  const e = codeOf(() => openObject(probe, { disabledPrograms: ['nope'] }));
  assert.equal(e.code, 'LUMEN_BPF_NO_SUCH_PROGRAM');
  assert.match(e.message, /programs: tp_getppid, /);
});

test('attach points that do not exist, wrong program kinds, missing symbols and binaries', async (t) => {
  const obj = openObject(probe);
  t.after(() => obj.close());
  const tp = codeOf(() => obj.attachTracepoint('tp_getppid', 'syscalls', 'sys_enter_nonexistent'));
  assert.equal(tp.code, 'LUMEN_BPF_ATTACH');
  assert.match(tp.message, /tracepoint syscalls\/sys_enter_nonexistent does not exist/);
  const sym = codeOf(() => obj.attachUprobe('up_enter', { binary: '/usr/bin/true', symbol: 'no_such_function_here' }));
  assert.equal(sym.code, 'LUMEN_BPF_SYMBOL');
  assert.match(sym.message, /symbol 'no_such_function_here' not found in \/usr\/bin\/true/);
  assert.match(codeOf(() => obj.attachUprobe('up_enter', { binary: '/nonexistent/bin', symbol: 'x' })).message, /cannot be read/);
  assert.match(codeOf(() => obj.attachUprobe('up_enter', { binary: '/usr/bin/true' })).message, /exactly one of symbol .* or offset/);
  assert.match(codeOf(() => obj.attach('sock_count')).message, /cannot be attached by its section alone; use attachSocketFilter/);
  assert.match(codeOf(() => obj.attach('up_enter')).message, /use attachUprobe/);
  assert.match(codeOf(() => obj.attachSocketFilter('sock_count', 'nosuchif0')).message, /no network interface named 'nosuchif0'/);
  assert.match(codeOf(() => obj.attachTc('tc_ingress', 'nosuchif0', 'ingress')).message, /no network interface/);
  assert.match(codeOf(() => obj.attachTc('tc_ingress', 'lo', 'sideways' as 'ingress')).message, /must be 'ingress' or 'egress'/);
  assert.match(codeOf(() => obj.attachTc('tp_getppid', 'lo', 'ingress')).message, /is not a TC classifier/);
  assert.match(codeOf(() => obj.attachCgroup('sockops_track', '/sys/fs/cgroup/unified/no/such/group')).message, /cannot open cgroup/);
  assert.match(codeOf(() => obj.attachCgroup('sockops_track', '/sys/fs/cgroup/memory')).message, /not a cgroup v2 directory/);
  assert.match(codeOf(() => obj.attachSkMsg('skmsg_count', 'plain_hash')).message, /not a sockmap or sockhash/);
  assert.equal(codeOf(() => obj.attach('nope')).code, 'LUMEN_BPF_NO_SUCH_PROGRAM');
  // The object still works after all that.
  traceTgid(obj, process.pid);
  obj.attach('tp_getppid');
  callGetppid(3);
});

test('an unprivileged process gets LUMEN_BPF_PERMISSION with the capabilities to grant, and exits cleanly', () => {
  const child = fileURLToPath(new URL('./support/unprivileged-child.ts', import.meta.url));
  const out = execFileSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--import', 'tsx', child], {
    encoding: 'utf8',
    env: { ...process.env, HOME: '/tmp' },
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
  });
  const r = JSON.parse(out) as Record<string, { code: string; message: string }>;
  assert.equal(r.open?.code, 'LUMEN_BPF_PERMISSION');
  assert.match(r.open!.message, /CAP_BPF/);
  assert.equal(r.missing?.code, 'LUMEN_BPF_OPEN');
});

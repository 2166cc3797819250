// Ring buffer → Observable<Buffer> on this kernel: a tracepoint on getppid() in this very process feeds
// bpf/test_probe.bpf.c's `events` ring; batches are decoded with forEachRecord.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { firstValueFrom, take, toArray } from 'rxjs';
import { BpfError, openObject, sumPerCpuU64 } from '../../src/bpf/index.js';
import { ensureBpfObject, kernelSnapshot, ownedSince, stillLoaded } from './support/kernel.js';
import { Kind, callGetppid, decode, stat, traceTgid, u32, waitFor, type TestRecord } from './support/test-probe.js';

const path = ensureBpfObject('test_probe');

test('tracepoint events flow through the ring buffer into an Observable, and close() releases everything', async (t) => {
  const before = kernelSnapshot();
  const obj = openObject(path, { rodata: { tag: -7, tag64: 123n }, disabledPrograms: ['btf_sys_enter', 'raw_sys_enter'] });
  t.after(() => obj.close());
  const owned = ownedSince(before, kernelSnapshot(), obj.programs);
  assert.ok(owned.progs.length >= 1 && owned.maps.length >= 1, `our programs and maps are visible in bpftool: ${JSON.stringify(owned)}`);
  traceTgid(obj, process.pid);
  const link = obj.attach('tp_getppid');
  const recs: TestRecord[] = [];
  let completed = false;
  const sub = obj.ringBuffer('events', { pollTimeoutMs: 20 }).subscribe({ next: (b) => decode(b, recs), complete: () => (completed = true) });
  callGetppid(5000);
  await waitFor(() => recs.length >= 5000, 3000, '5000 records');
  assert.equal(recs.length, 5000);
  assert.ok(recs.every((r) => r.kind === Kind.tracepoint && r.tgid === process.pid && r.tag === -7 && r.value === 123n));
  assert.equal(sumPerCpuU64(obj.map('stats').lookup(u32(0))!, 8)[0], 5000n, 'per-CPU event counters sum to the calls made');
  assert.ok(sub.closed === false);
  // NO_WAKEUP records (wake-up every 64th) still arrive: the consumer drains on every poll timeout.
  callGetppid(3);
  await waitFor(() => recs.length === 5003, 2000, 'the last 3 records');
  link.close();
  link.close();
  const withLinks = kernelSnapshot();
  assert.equal([...withLinks.links.values()].filter((p) => owned.progs.includes(p)).length, 0, 'link detached');
  obj.close();
  assert.ok(completed, 'close() completes the ring-buffer Observable');
  obj.close();
  assert.deepEqual(await stillLoaded({ ...owned, links: [] }), { progs: [], maps: [], links: [] }, 'no program or map of ours remains');
});

test('unsubscribe stops the consumer; a second concurrent consumer is refused; resubscribing works', async (t) => {
  const obj = openObject(path, { disabledPrograms: ['btf_sys_enter', 'raw_sys_enter'] });
  t.after(() => obj.close());
  traceTgid(obj, process.pid);
  obj.attach('tp_getppid');
  const a: TestRecord[] = [];
  const sub = obj.ringBuffer('events', { pollTimeoutMs: 10 }).subscribe((b) => decode(b, a));
  let err: unknown;
  obj.ringBuffer('events').subscribe({ error: (e) => (err = e) });
  assert.ok(err instanceof BpfError && err.code === 'LUMEN_BPF_MAP' && /already has a consumer/.test(err.message), String(err));
  callGetppid(100);
  await waitFor(() => a.length === 100);
  sub.unsubscribe();
  callGetppid(50); // not read by anyone: stays in the ring
  const first = await firstValueFrom(obj.ringBuffer('events', { pollTimeoutMs: 10 }));
  const b: TestRecord[] = [];
  decode(first, b);
  assert.ok(b.length > 0 && b.length <= 50, `the next subscriber reads what was left: ${b.length}`);
  assert.equal(a.length, 100, 'nothing reaches an unsubscribed observer');
});

test('close() while subscribed delivers what is left in the ring, then completes', async () => {
  const obj = openObject(path, { disabledPrograms: ['btf_sys_enter', 'raw_sys_enter'] });
  traceTgid(obj, process.pid);
  obj.attach('tp_getppid');
  const recs: TestRecord[] = [];
  const done = firstValueFrom(obj.ringBuffer('events', { pollTimeoutMs: 60000 }).pipe(toArray()));
  callGetppid(10); // below the wake-up batch: sits in the ring until the (long) poll timeout
  obj.close();
  for (const b of await done) decode(b, recs);
  assert.equal(recs.length, 10);
});

test('a slow consumer gets backpressure: bounded batches, drops counted by BPF, the process stays healthy', async (t) => {
  const obj = openObject(path, { mapSizes: { events: 4096 * 4 }, disabledPrograms: ['btf_sys_enter', 'raw_sys_enter'] });
  t.after(() => obj.close());
  traceTgid(obj, process.pid);
  obj.attach('tp_getppid');
  let got = 0;
  const sub = obj.ringBuffer('events', { batchBytes: 1024, maxQueuedBatches: 1, pollTimeoutMs: 5 }).subscribe((b) => {
    got += b.length / 36;
    const until = Date.now() + 2;
    while (Date.now() < until); // 2 ms per batch
  });
  t.after(() => sub.unsubscribe());
  for (let i = 0; i < 20; i++) {
    callGetppid(5000);
    await new Promise((r) => setImmediate(r));
  }
  await waitFor(() => BigInt(got) + stat(obj, 1) >= 100000n, 5000, 'all events delivered or dropped');
  const drops = stat(obj, 1);
  assert.ok(drops > 0n, `reservations failed and were counted (drops=${drops})`);
  assert.equal(BigInt(got) + drops, 100000n, `every event is either delivered (${got}) or counted as dropped (${drops})`);
});

test('ring buffer misuse gives coded errors', async () => {
  const obj = openObject(path, { disabledPrograms: ['btf_sys_enter', 'raw_sys_enter'] });
  const errOf = async (name: string, opts = {}) => {
    try {
      await firstValueFrom(obj.ringBuffer(name, opts).pipe(take(1)));
    } catch (e) {
      return e as BpfError;
    }
    return undefined;
  };
  assert.match((await errOf('cfg'))!.message, /not a BPF_MAP_TYPE_RINGBUF/);
  assert.equal((await errOf('nope'))!.code, 'LUMEN_BPF_NO_SUCH_MAP');
  assert.match((await errOf('events', { batchBytes: -1 }))!.message, /batchBytes must be an integer/);
  obj.close();
  assert.equal((await errOf('events'))!.code, 'LUMEN_BPF_OPEN');
});

// Map operations on this kernel: hash, per-CPU hash/array, LRU, LPM trie (no batch support: the fallback path).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BpfError, openObject, possibleCpus, sumPerCpuU64 } from '../../src/bpf/index.js';
import { ensureBpfObject } from './support/kernel.js';
import { u32 } from './support/test-probe.js';

const path = ensureBpfObject('test_probe');

const u64 = (n: number | bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
};

test('map info describes each map', (t) => {
  const obj = openObject(path, { mapSizes: { plain_hash: 8192 } });
  t.after(() => obj.close());
  assert.deepEqual(obj.map('plain_hash').info, { name: 'plain_hash', type: 'hash', keySize: 4, valueSize: 8, maxEntries: 8192, perCpu: false });
  assert.equal(obj.map('pcpu_hash').info.perCpu, true);
  assert.equal(obj.map('events').info.type, 'ringbuf');
  assert.ok(obj.maps.includes('lpm') && !obj.maps.some((m) => m.includes('.')), 'internal .rodata/.bss maps are not listed');
});

test('lookup, update with flags, delete and keys on a hash map', (t) => {
  const obj = openObject(path);
  t.after(() => obj.close());
  const m = obj.map('plain_hash');
  assert.equal(m.lookup(u32(1)), undefined);
  m.update(u32(1), u64(10));
  m.update(u32(2), u64(20), 'noexist');
  assert.equal(m.lookup(u32(2))!.readBigUInt64LE(0), 20n);
  assert.throws(() => m.update(u32(2), u64(0), 'noexist'), (e: BpfError) => e.code === 'LUMEN_BPF_MAP' && /already exists/.test(e.message));
  assert.throws(() => m.update(u32(3), u64(0), 'exist'), /does not exist/);
  m.update(u32(2), u64(21), 'exist');
  assert.deepEqual(m.keys().map((k) => k.readUInt32LE(0)).sort(), [1, 2]);
  assert.equal(m.delete(u32(1)), true);
  assert.equal(m.delete(u32(1)), false);
  assert.deepEqual(m.keys().map((k) => k.readUInt32LE(0)), [2]);
  assert.throws(() => m.lookup(Buffer.alloc(3)), /key has 3 bytes, the map's keys have 4/);
  assert.throws(() => m.update(u32(5), Buffer.alloc(4)), /value has 4 bytes, expected 8/);
  assert.throws(() => m.update(u32(5), u64(1), 'maybe' as 'any'), /must be 'any', 'noexist' or 'exist'/);
  assert.throws(() => obj.map('nope'), (e: BpfError) => e.code === 'LUMEN_BPF_NO_SUCH_MAP' && /maps: .*plain_hash/.test(e.message));
});

test('a full map says so', (t) => {
  const obj = openObject(path, { mapSizes: { plain_hash: 2 } });
  t.after(() => obj.close());
  const m = obj.map('plain_hash');
  m.update(u32(1), u64(1));
  m.update(u32(2), u64(1));
  assert.throws(() => m.update(u32(3), u64(1)), /the map is full/);
});

test('per-CPU maps: values are one 8-byte-aligned slot per possible CPU; one value is spread to all CPUs', (t) => {
  const obj = openObject(path);
  t.after(() => obj.close());
  const cpus = possibleCpus();
  const m = obj.map('pcpu_hash');
  const one = Buffer.alloc(4);
  one.writeUInt32LE(7);
  m.update(u32(1), one);
  const v = m.lookup(u32(1))!;
  assert.equal(v.length, 8 * cpus);
  for (let c = 0; c < cpus; c++) assert.equal(v.readUInt32LE(c * 8), 7);
  const per = Buffer.alloc(8 * cpus);
  for (let c = 0; c < cpus; c++) per.writeUInt32LE(100 + c, c * 8);
  m.update(u32(2), per);
  assert.deepEqual(m.lookup(u32(2)), per);
  const arr = obj.map('pcpu_array');
  assert.equal(arr.lookup(u32(0))!.length, 8 * cpus);
  assert.throws(() => arr.delete(u32(0)), /is an array: its entries cannot be deleted/);
  const stats = obj.map('stats');
  const counters = Buffer.alloc(8 * cpus);
  for (let c = 0; c < cpus; c++) counters.writeBigUInt64LE(BigInt(c + 1), c * 8);
  stats.update(u32(3), counters);
  assert.deepEqual(sumPerCpuU64(stats.lookup(u32(3))!, 8), [BigInt((cpus * (cpus + 1)) / 2)]);
});

test('lookupAndDeleteBatch drains a hash map in batches, honours max, and covers per-CPU values', (t) => {
  const obj = openObject(path);
  t.after(() => obj.close());
  const m = obj.map('plain_hash');
  for (let i = 0; i < 3000; i++) m.update(u32(i), u64(i * 3));
  const part = m.lookupAndDeleteBatch(100);
  assert.ok(part.length <= 100 && part.length > 0, `max respected: ${part.length}`);
  const rest = m.lookupAndDeleteBatch();
  const all = [...part, ...rest];
  assert.equal(all.length, 3000);
  assert.ok(all.every(([k, v]) => v.readBigUInt64LE(0) === BigInt(k.readUInt32LE(0) * 3)), 'keys and values stay paired');
  assert.equal(new Set(all.map(([k]) => k.readUInt32LE(0))).size, 3000);
  assert.deepEqual(m.keys(), []);
  assert.deepEqual(m.lookupAndDeleteBatch(), [], 'an empty map gives nothing');
  const p = obj.map('pcpu_hash');
  for (let i = 0; i < 10; i++) p.update(u32(i), u32(i));
  const got = p.lookupAndDeleteBatch();
  assert.equal(got.length, 10);
  assert.ok(got.every(([k, v]) => v.length === 8 * possibleCpus() && v.readUInt32LE(0) === k.readUInt32LE(0)));
  const lru = obj.map('lru_hash');
  for (let i = 0; i < 50; i++) lru.update(u64(i), u64(i));
  assert.equal(lru.lookupAndDeleteBatch().length, 50);
});

test('lookupAndDeleteBatch with a small max ends whatever the bucket layout (no spin on ENOSPC)', (t) => {
  // Batches return whole hash buckets: a max smaller than the next bucket used to loop forever.
  const obj = openObject(path);
  t.after(() => obj.close());
  const m = obj.map('plain_hash');
  for (let i = 0; i < 3000; i++) m.update(u32(i), u64(i));
  const seen = new Set<number>();
  for (let calls = 0; seen.size < 3000; calls++) {
    assert.ok(calls < 3000, 'every call makes progress');
    const got = m.lookupAndDeleteBatch(3);
    assert.ok(got.length > 0, 'a non-empty map gives at least one entry');
    for (const [k] of got) seen.add(k.readUInt32LE(0));
  }
  assert.deepEqual(m.keys(), []);
});

test('lookupAndDeleteBatch falls back to iterate + delete where the kernel refuses batches (LPM trie)', (t) => {
  const obj = openObject(path);
  t.after(() => obj.close());
  const m = obj.map('lpm');
  const key = (len: number, a: number[]) => Buffer.from([len, 0, 0, 0, ...a]);
  m.update(key(8, [10, 0, 0, 0]), u32(1));
  m.update(key(16, [10, 1, 0, 0]), u32(2));
  m.update(key(24, [10, 1, 2, 0]), u32(3));
  const got = m.lookupAndDeleteBatch();
  assert.deepEqual(got.map(([, v]) => v.readUInt32LE(0)).sort(), [1, 2, 3]);
  assert.deepEqual(m.keys(), []);
  assert.throws(() => obj.map('cfg').lookupAndDeleteBatch(), /is an array: entries cannot be deleted/);
});

test('map operations after close() fail with a coded error', () => {
  const obj = openObject(path);
  const m = obj.map('plain_hash');
  obj.close();
  assert.throws(() => m.lookup(u32(1)), (e: BpfError) => e instanceof BpfError && e.code === 'LUMEN_BPF_OPEN' && /is closed/.test(e.message));
});

test('pinPath pins the maps under bpffs (and they stay after close, by design)', async (t) => {
  const { existsSync, rmSync } = await import('node:fs');
  const dir = `/sys/fs/bpf/lumen_bpf_test_${process.pid}`;
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const obj = openObject(path, { pinPath: dir });
  obj.map('plain_hash').update(u32(9), u64(99));
  obj.close();
  assert.ok(existsSync(`${dir}/plain_hash`) && existsSync(`${dir}/events`), 'pinned');
  const again = openObject(path, { pinPath: dir });
  t.after(() => again.close());
  assert.equal(again.map('plain_hash').lookup(u32(9))?.readBigUInt64LE(0), 99n, 'a second open reuses the pinned map');
});

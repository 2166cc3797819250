import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FlowTable, type EvictionReason, type TableEntry } from '../flow-table.js';

const key = Buffer.alloc(44);
const counts = (bytes: number, first: number, last: number) => ({ bytes, packets: 1, firstNs: first, lastNs: last });

function table(max = 100) {
  const out: Array<{ e: TableEntry; reason: EvictionReason }> = [];
  const t = new FlowTable({ activeNs: 5000, inactiveNs: 2000, maxFlows: max }, (e, reason) => out.push({ e: { ...e }, reason }));
  return { t, out };
}

test('inactive, active, cache_full and shutdown evictions', () => {
  const { t, out } = table(2);
  t.add('a', key, counts(10, 0, 100));
  t.add('b', key, counts(20, 500, 4000));
  t.sweep(2100); // a idle for 2000
  assert.deepEqual(out.map((o) => [o.e.id, o.reason]), [['a', 'inactive']]);
  t.add('b', key, counts(5, 4500, 5400));
  t.sweep(5600); // b started at 500: active for 5100
  assert.deepEqual(out.map((o) => [o.e.id, o.reason]).slice(1), [['b', 'active']]);
  assert.equal(out[1]!.e.bytes, 25);
  t.add('c', key, counts(1, 6000, 6000));
  t.add('d', key, counts(1, 6001, 6001));
  t.add('e', key, counts(1, 6002, 6002)); // over 2 flows: the oldest (c) goes
  assert.deepEqual(out.map((o) => [o.e.id, o.reason]).slice(2), [['c', 'cache_full']]);
  t.flush();
  assert.deepEqual(out.map((o) => [o.e.id, o.reason]).slice(3), [['d', 'shutdown'], ['e', 'shutdown']]);
  assert.equal(t.size, 0);
});

test('whatever the order of adds and sweeps, reported bytes add up to what was added', () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant('add' as const), id: fc.integer({ min: 0, max: 20 }), bytes: fc.integer({ min: 1, max: 1e6 }), dt: fc.integer({ min: 0, max: 3000 }) }),
    fc.record({ kind: fc.constant('sweep' as const), dt: fc.integer({ min: 0, max: 3000 }) }),
  );
  fc.assert(fc.property(fc.array(op, { maxLength: 200 }), fc.integer({ min: 1, max: 30 }), (ops, max) => {
    const { t, out } = table(max);
    let now = 1;
    let added = 0;
    for (const o of ops) {
      now += o.dt;
      if (o.kind === 'add') {
        t.add(String(o.id), key, counts(o.bytes, now, now));
        added += o.bytes;
        assert.ok(t.size <= max);
      } else {
        t.sweep(now);
      }
    }
    t.flush();
    assert.equal(out.reduce((n, o) => n + o.e.bytes, 0), added);
  }));
});

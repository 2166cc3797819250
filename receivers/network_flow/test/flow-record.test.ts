import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEY, sumStat, sumValue, transportOf, tupleId } from '../flow-record.js';

function slot(bytes: number, packets: number, first: number, last: number): Buffer {
  const b = Buffer.alloc(32);
  b.writeBigUInt64LE(BigInt(bytes), 0);
  b.writeBigUInt64LE(BigInt(packets), 8);
  b.writeBigUInt64LE(BigInt(first), 16);
  b.writeBigUInt64LE(BigInt(last), 24);
  return b;
}

test('per-CPU values are summed; idle CPUs (zero slots) do not pull first_ns to 0', () => {
  const v = Buffer.concat([slot(100, 2, 5_000, 9_000), slot(0, 0, 0, 0), slot(50, 1, 3_000, 4_000), slot(7, 1, 2 ** 40, 2 ** 40 + 1)]);
  assert.deepEqual(sumValue(v), { bytes: 157, packets: 4, firstNs: 3_000, lastNs: 2 ** 40 + 1 });
  assert.deepEqual(sumValue(Buffer.concat([Buffer.alloc(48), slot(1, 1, 10, 10)]), 48, 1), { bytes: 1, packets: 1, firstNs: 10, lastNs: 10 });
});

test('the dedup identity ignores interface and direction, not ports or protocol', () => {
  const k = Buffer.alloc(44, 1);
  const other = Buffer.from(k);
  other.writeUInt32LE(7, KEY.ifindex);
  other[KEY.direction] = 0;
  assert.equal(tupleId(k), tupleId(other));
  other.writeUInt16LE(80, KEY.dport);
  assert.notEqual(tupleId(k), tupleId(other));
  const proto = Buffer.from(k);
  proto[KEY.proto] = 17;
  assert.notEqual(tupleId(k), tupleId(proto));
});

test('transports and stat sums', () => {
  assert.deepEqual([6, 17, 1, 58, 132].map(transportOf), ['tcp', 'udp', 'icmp', 'icmpv6', 'other']);
  const s = Buffer.alloc(24);
  s.writeBigUInt64LE(3n, 0);
  s.writeBigUInt64LE(4n, 16);
  assert.equal(sumStat(s), 7);
});

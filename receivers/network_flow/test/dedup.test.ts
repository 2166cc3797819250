import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FirstComeDeduper } from '../dedup.js';

test('first_come: the first interface owns a 5-tuple until it has not seen it for the TTL', () => {
  const d = new FirstComeDeduper(1000);
  assert.ok(d.accept('t', 3, 100)); // veth of a container
  assert.ok(!d.accept('t', 2, 150)); // the bridge: duplicate
  assert.ok(d.accept('t', 3, 900)); // owner again, refreshes
  assert.ok(!d.accept('t', 2, 1800)); // within TTL of 900
  assert.ok(d.accept('t', 2, 2000)); // owner silent for 1100 > TTL: the bridge takes over
  assert.ok(!d.accept('t', 3, 2100));
  assert.ok(d.accept('u', 3, 2100), 'another tuple is independent');
  d.expire(5000);
  assert.equal(d.size, 0);
});

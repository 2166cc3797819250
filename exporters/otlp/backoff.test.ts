import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff } from './backoff.js';

const policy = { enabled: true, initialMs: 100, maxMs: 1000, maxElapsedMs: 5000, multiplier: 2, randomization: 0.5 };

test('waits grow exponentially up to the maximum, with jitter inside ±factor', () => {
  const lo = new Backoff(policy, () => 0, () => 0);
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => lo.next()), [50, 100, 200, 400, 500, 500]);
  const hi = new Backoff(policy, () => 0.999999, () => 0);
  assert.deepEqual([1, 2, 3, 4, 5].map(() => hi.next()), [150, 300, 600, 1200, 1500]);
  const mid = new Backoff({ ...policy, randomization: 0 }, Math.random, () => 0);
  assert.deepEqual([1, 2, 3].map(() => mid.next()), [100, 200, 400]);
});

test('gives up after max elapsed time, honours Retry-After, resets, and is off when disabled', () => {
  let now = 0;
  const b = new Backoff({ ...policy, randomization: 0 }, Math.random, () => now);
  assert.equal(b.next(), 100);
  now = 4950;
  assert.equal(b.next(), undefined, '4950 + 200 > 5000');
  b.reset();
  assert.equal(b.next(800), 800, 'Retry-After (capped at max) wins over a shorter wait');
  assert.equal(new Backoff({ ...policy, enabled: false }).next(), undefined);
  const forever = new Backoff({ ...policy, maxElapsedMs: 0, randomization: 0 }, Math.random, () => now);
  now = 1e12;
  assert.equal(forever.next(), 100);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { spanBatch, type Batch } from '../model/batch.js';
import type { Span } from '../model/span.js';
import { BoundedQueue } from './queue.js';

const batchOf = (n: number, tag: number): Batch => spanBatch(Array.from({ length: n }, () => ({ name: String(tag) }) as Span));
const tags = (got: Batch[]) => got.map((b) => (b.items[0] as Span).name);

test('below flushAt a push is delivered on a later turn; reaching it delivers what is queued at once, in order', async () => {
  const got: Batch[] = [];
  const q = new BoundedQueue(100, (b) => got.push(b), () => assert.fail('no drop'), 10);
  q.push(batchOf(4, 1));
  q.push(batchOf(4, 2));
  assert.equal(got.length, 0, 'not delivered synchronously below flushAt');
  assert.equal(q.size, 8);
  q.push(batchOf(2, 3)); // 10 queued: flushed now
  assert.deepEqual(tags(got), ['1', '2', '3']);
  assert.equal(q.size, 0);
  q.push(batchOf(1, 4));
  assert.equal(got.length, 3);
  await tick();
  assert.deepEqual(tags(got), ['1', '2', '3', '4']);
  await tick();
  assert.equal(got.length, 4, 'the earlier scheduled drain delivers nothing twice');
});

test('a push from inside the queue\'s own delivery is never delivered re-entrantly, and keeps its order', async () => {
  const got: string[] = [];
  let depth = 0;
  const q: BoundedQueue = new BoundedQueue(100, (b) => {
    depth++;
    assert.equal(depth, 1, 'not re-entrant');
    const tag = (b.items[0] as Span).name;
    got.push(tag);
    if (tag === '1') q.push(batchOf(5, 9)); // a pipeline feeding itself: past flushAt, but inside delivery
    depth--;
  }, () => assert.fail('no drop'), 5);
  q.push(batchOf(5, 1)); // flushes at once; the 9 it pushes stays queued
  assert.deepEqual(got, ['1']);
  assert.equal(q.size, 5);
  q.push(batchOf(1, 2)); // past flushAt again, outside delivery: 9 then 2
  assert.deepEqual(got, ['1', '9', '2']);
  q.push(batchOf(5, 1));
  await tick();
  await tick();
  assert.deepEqual(got, ['1', '9', '2', '1', '9'], 'the self-push waits for a turn when nothing else pushes');
});

test('capacity still bounds a burst when flushAt is above it (drops counted whole)', async () => {
  const got: Batch[] = [];
  const dropped: number[] = [];
  const q = new BoundedQueue(10, (b) => got.push(b), (b) => dropped.push(b.items.length), 2048);
  for (let i = 0; i < 5; i++) q.push(batchOf(5, i));
  assert.deepEqual(dropped, [5, 5, 5]);
  await tick();
  assert.deepEqual(tags(got), ['0', '1']);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_EXCHANGE_BYTES, MAX_PENDING_BYTES, WireChunks } from './wire-chunks.js';

test('chunks are joined in order before the final record, per connection', () => {
  const c = new WireChunks();
  c.add('a', Buffer.from('*1\r\n$4\r\nPI'), Buffer.alloc(0));
  c.add('b', Buffer.from('other'), Buffer.alloc(0));
  c.add('a', Buffer.from('NG\r\n'), Buffer.from('+PO'));
  const x = c.take('a', Buffer.from('*1\r\n$4\r\nPING\r\n'), Buffer.from('NG\r\n+PONG\r\n'));
  assert.equal(x.request.toString(), '*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n');
  assert.equal(x.response.toString(), '+PONG\r\n+PONG\r\n');
  const again = c.take('a', Buffer.from('x'), Buffer.from('y'));
  assert.equal(again.request.toString(), 'x', 'taken once');
});

test('bounded: per exchange and in total, whatever chunks keep coming without an end', () => {
  const c = new WireChunks();
  const piece = Buffer.alloc(8192, 0x61);
  for (let i = 0; i < (MAX_EXCHANGE_BYTES / 8192) * 2; i++) c.add('one', piece, Buffer.alloc(0));
  assert.equal(c.take('one', Buffer.alloc(0), Buffer.alloc(0)).request.length, MAX_EXCHANGE_BYTES);
  for (let k = 0; k < 1024; k++) for (let i = 0; i < 4; i++) c.add(`conn${k}`, piece, Buffer.alloc(0));
  let kept = 0;
  for (let k = 0; k < 1024; k++) kept += c.take(`conn${k}`, Buffer.alloc(0), Buffer.alloc(0)).request.length;
  assert.ok(kept <= MAX_PENDING_BYTES, `${kept} bytes kept`);
  c.add('fresh', piece, Buffer.alloc(0));
  assert.equal(c.take('fresh', Buffer.alloc(0), Buffer.alloc(0)).request.length, 8192, 'the budget is given back as exchanges end');
});

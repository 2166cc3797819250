/**
 * Property test of every wire parser: 1,000,000 inputs each — random bytes, truncations and byte mutations of
 * well-formed exchanges (corpus.ts) — never throw, and whatever they yield is well-formed (no bogus span:
 * names are protocol words, codes are codes, nothing unbounded). A seeded xorshift drives a plain loop: the
 * bulk of the inputs costs microseconds each (fast-check's shrinking is not needed for a no-throw property).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { postgresParser } from '../../postgres/index.js';
import { mysqlParser } from '../../mysql/index.js';
import { redisParser } from '../../redis/index.js';
import { memcachedParser } from '../../memcached/index.js';
import { kafkaParser } from '../../kafka/index.js';
import type { WireOperation, WireParser } from '../index.js';
import { KAFKA, MEMCACHED, MYSQL, POSTGRES, REDIS } from './corpus.js';
import { xorshift32 } from '../../../../test/support/xorshift.js';

const N = 1_000_000;

const rng = xorshift32;

const WORD = /^[A-Za-z_][A-Za-z0-9_.|-]{0,31}$/;

function wellFormed(o: WireOperation): string | undefined {
  if (o.operation !== '' && !WORD.test(o.operation) && o.operation !== 'publish' && o.operation !== 'receive') return `operation ${JSON.stringify(o.operation)}`;
  if (o.status.length > 24) return `status ${JSON.stringify(o.status)}`;
  if (o.error !== '' && o.status === '' && !o.error.startsWith('kafka_error_')) return 'error without status';
  if (o.collection.length > 1024 || o.namespace.length > 1024) return 'unbounded name';
  if (!Number.isFinite(o.rows) || !Number.isInteger(o.partition)) return 'numbers';
  return undefined;
}

function fuzz<S>(parser: WireParser<S>, corpus: Array<[Buffer, Buffer]>, seed: number): { ops: number; randomOps: number } {
  const next = rng(seed);
  const scratch = Buffer.alloc(4096);
  const out: WireOperation[] = [];
  let ops = 0;
  let randomOps = 0;
  let state = parser.newState();
  // The corpus parses to operations (the parser is not vacuously quiet).
  let seeded = 0;
  for (const [req, resp] of corpus) {
    out.length = 0;
    parser.parse({ request: req, response: resp, requestBytes: req.length, responseBytes: resp.length, startUnixNano: 1n }, state, out);
    seeded += out.length;
  }
  assert.ok(seeded > 0, `${parser.system}: the corpus yields operations`);
  for (let i = 0; i < N; i++) {
    if ((i & 0xffff) === 0) state = parser.newState();
    const kind = next() % 4;
    let req: Buffer;
    let resp: Buffer;
    let respBytes = -1; // > resp.length: the answer went on past the capture
    if (kind === 0) {
      // random bytes
      const a = next() % 96, b = next() % 96;
      for (let j = 0; j < a + b; j++) scratch[j] = next() & 0xff;
      req = scratch.subarray(0, a);
      resp = scratch.subarray(a, a + b);
    } else {
      const [r0, s0] = corpus[next() % corpus.length]!;
      const lr = r0.length, ls = s0.length;
      r0.copy(scratch, 0);
      s0.copy(scratch, lr);
      if (kind === 1) {
        // truncated
        req = scratch.subarray(0, next() % (lr + 1));
        resp = scratch.subarray(lr, lr + (next() % (ls + 1)));
        respBytes = ls;
      } else {
        // mutated: 1-4 bytes changed (kind 3: then truncated too)
        const flips = 1 + (next() % 4);
        for (let f = 0; f < flips; f++) scratch[next() % (lr + ls)] = next() & 0xff;
        req = scratch.subarray(0, kind === 3 ? next() % (lr + 1) : lr);
        resp = scratch.subarray(lr, lr + (kind === 3 ? next() % (ls + 1) : ls));
      }
    }
    out.length = 0;
    try {
      parser.parse({ request: req, response: resp, requestBytes: req.length, responseBytes: respBytes < 0 ? resp.length : respBytes, startUnixNano: 1n }, state, out);
    } catch (e) {
      assert.fail(`${parser.system} threw on req=${req.toString('hex')} resp=${resp.toString('hex')}: ${(e as Error).stack}`);
    }
    for (const o of out) {
      const bad = wellFormed(o);
      if (bad) assert.fail(`${parser.system}: ${bad} from req=${req.toString('hex')} resp=${resp.toString('hex')}`);
    }
    ops += out.length;
    if (kind === 0) randomOps += out.length;
  }
  return { ops, randomOps };
}

for (const [parser, corpus, seed] of [
  [postgresParser, POSTGRES, 1], [mysqlParser, MYSQL, 2], [redisParser, REDIS, 3], [memcachedParser, MEMCACHED, 4], [kafkaParser, KAFKA, 5],
] as Array<[WireParser<unknown>, Array<[Buffer, Buffer]>, number]>) {
  test(`${parser.system}: 1,000,000 random, truncated and mutated exchanges — no throw, only well-formed operations`, () => {
    const { ops, randomOps } = fuzz(parser, corpus, seed);
    assert.ok(ops > 0, 'mutated and truncated exchanges still yield operations (the inputs reach the parser)');
    // random bytes almost never frame as a request AND its answer: a handful in 250,000 at most
    assert.ok(randomOps <= 25, `${randomOps} operations from random bytes`);
  });
}

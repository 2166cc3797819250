import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import type { SpanBatch } from '../../src/model/batch.js';
import { spanToJsonLine } from '../../src/model/span-json.js';
import { testContext } from '../../test/support/context.js';
import { replayReceiverFactory } from './index.js';
import { parseSpanLines } from '../../src/model/span-json-lines.js';
import type { ReplayConfig } from './config.js';

const DATA = new URL('./testdata/spans.jsonl', import.meta.url).pathname;
const BAD = new URL('./testdata/bad-lines.jsonl', import.meta.url).pathname;
const cfg = (over: Partial<ReplayConfig>): ReplayConfig => ({ ...replayReceiverFactory.defaultConfig(), path: DATA, ...over });

async function play(config: ReplayConfig) {
  const ctx = testContext('replay');
  const r = replayReceiverFactory.create(config, ctx);
  const all = lastValueFrom(r.output.pipe(toArray()));
  const t0 = performance.now();
  await r.start();
  const batches = (await all) as SpanBatch[];
  const ms = performance.now() - t0;
  await r.shutdown();
  return { batches, ms, ctx };
}

test('parse: every line of the sample round-trips byte for byte; services are interned', () => {
  const text = readFileSync(DATA, 'utf8');
  const { spans, invalid } = parseSpanLines(text);
  assert.deepEqual(invalid, []);
  assert.equal(spans.length, 36);
  assert.deepEqual(spans.map(spanToJsonLine), text.trim().split('\n'));
  assert.equal(new Set(spans.map((s) => s.service)).size, 2, 'one Service object per process');
  assert.equal(typeof spans[0]!.startUnixNano, 'bigint');
});

test('parse: bad lines are reported with their number and skipped', () => {
  const { spans, invalid } = parseSpanLines(readFileSync(BAD, 'utf8'));
  assert.equal(spans.length, 1);
  assert.deepEqual(invalid.map((i) => i.line), [2, 4, 5, 6, 7]);
  assert.match(invalid[0]!.message, /^invalid JSON: /);
  assert.equal(invalid[1]!.message, 'http.status: must be an integer, got "200"');
  assert.equal(invalid[2]!.message, 'endUnixNano: must not be before startUnixNano');
  assert.equal(invalid[3]!.message, 'startUnixNano: must be a string, got 1763900000005000000');
  assert.equal(invalid[4]!.message, 'extra: unknown key, allowed: kind, protocol, name, startUnixNano, endUnixNano, service, connection, trace, http, attributes');
});

test('receiver: bad lines are counted and logged, good ones replayed', async () => {
  const { batches, ctx } = await play(cfg({ path: BAD, pace: 'fast' }));
  assert.equal(batches.flatMap((b) => b.items).length, 1);
  assert.equal(ctx.metrics.value('lumen_replay_invalid_lines_total'), 5);
  const warnings = ctx.logs.filter((l) => l.level === 'warn').map((l) => l.msg);
  assert.ok(warnings.includes(`${BAD}:4: http.status: must be an integer, got "200", line skipped`), warnings.join('\n'));
});

test('fast pace: loops, batch size, shifted timestamps, fresh copies', async () => {
  const before = BigInt(Date.now()) * 1_000_000n;
  const { batches, ctx } = await play(cfg({ pace: 'fast', loop: 3, batch_size: 10 }));
  const spans = batches.flatMap((b) => b.items);
  assert.equal(spans.length, 108);
  assert.deepEqual(batches.map((b) => b.items.length), [10, 10, 10, 6, 10, 10, 10, 6, 10, 10, 10, 6]);
  assert.equal(new Set(spans).size, 108, 'every emitted span is its own object');
  const first = spans.reduce((m, s) => (s.startUnixNano < m ? s.startUnixNano : m), spans[0]!.startUnixNano);
  assert.ok(first >= before - 1_000_000n && first < before + 5_000_000_000n, 'first pass starts now');
  assert.equal(ctx.metrics.value('lumen_replay_passes_total'), 3);
});

test('original timestamps are kept; recorded pace follows the recorded intervals (sped up)', async () => {
  const { spans: source } = parseSpanLines(readFileSync(DATA, 'utf8'));
  // The sample covers 550 ms of start times; at speed 5 that is 110 ms.
  const { batches, ms } = await play(cfg({ pace: 'recorded', speed: 5, timestamps: 'original' }));
  const spans = batches.flatMap((b) => b.items);
  assert.equal(spans.length, 36);
  assert.ok(ms >= 100, `took ${ms} ms`);
  assert.ok(batches.length >= 10, 'spans came out over time, not in one batch');
  const starts = spans.map((s) => s.startUnixNano);
  assert.deepEqual(starts, [...starts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), 'in start order');
  assert.deepEqual(new Set(starts), new Set(source.map((s) => s.startUnixNano)));
});

test('shutdown during a forever loop stops and completes the output', async () => {
  const r = replayReceiverFactory.create(cfg({ pace: 'fast', loop: -1 }), testContext('replay'));
  let n = 0;
  const completed = new Promise<void>((resolve) => r.output.subscribe({ next: (b) => (n += b.items.length), complete: resolve }));
  await r.start();
  await new Promise((res) => setTimeout(res, 30));
  await r.shutdown();
  await r.shutdown();
  await completed;
  assert.ok(n > 36, `replayed ${n}`);
});

test('create() names a missing or unreadable file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lumen-replay-'));
  try {
    assert.throws(() => replayReceiverFactory.create(cfg({ path: join(dir, 'nope.jsonl') }), testContext()), /cannot read .*nope\.jsonl: no such file/);
    assert.throws(() => replayReceiverFactory.create(cfg({ path: dir }), testContext()), /not a regular file/);
    writeFileSync(join(dir, 'empty.jsonl'), '\n\n');
    assert.doesNotThrow(() => replayReceiverFactory.create(cfg({ path: join(dir, 'empty.jsonl') }), testContext()));
  } finally {
    rmSync(dir, { recursive: true });
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExportQueue } from './export-queue.js';
import type { Transport } from './transport.js';
import { testContext } from '../../test/support/context.js';

/**
 * Issue #11.2: a transport that throws (synchronously, or by rejecting) must fail its request into the queue's
 * own accounting, not escape as an unhandled rejection that ends the agent.
 */
for (const how of ['throws', 'rejects'] as const) {
  test(`a transport that ${how}: the request is dropped as rejected and counted, nothing escapes`, async () => {
    const ctx = testContext('otlp');
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    const transport: Transport = {
      send: how === 'throws'
        ? () => { throw new TypeError('Invalid URL'); }
        : async () => { throw new TypeError('Invalid URL'); },
      close() {},
    };
    const queue = new ExportQueue({
      signal: 'traces', unit: 'spans', capacity: 100, dropOldest: false, transport, telemetry: ctx.telemetry, logger: ctx.logger,
      retry: { enabled: true, initialMs: 1, maxMs: 1, maxElapsedMs: 10, multiplier: 1, randomization: 0 },
    });
    assert.ok(queue.offer(3, 3, () => new Uint8Array(4)));
    assert.equal(await queue.drain(2000), true);
    await new Promise((r) => setImmediate(r));
    process.off('unhandledRejection', onUnhandled);
    assert.deepEqual(unhandled, []);
    assert.equal(ctx.metrics.value('lumen_exporter_dropped_spans_total', { signal: 'traces', reason: 'rejected' }), 3);
    assert.ok(ctx.logs.some((l) => /cannot send: Invalid URL/.test(l.msg)), JSON.stringify(ctx.logs));
  });
}

/**
 * Issue #11.5: OTLP endpoint credentials are never logged — userinfo and query in `endpoint`, header values —
 * and a stop that drops data counts it (lumen_exporter_dropped_spans_total{reason="shutdown"}).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { otlpExporterFactory } from './index.js';
import { redactUrl } from './redact-url.js';
import { spanBatch } from '../../src/model/batch.js';
import { testContext } from '../../test/support/context.js';
import { sampleHttpSpan, sampleService } from '../../test/support/sample-spans.js';

test('redactUrl: userinfo and query go, the rest stays', () => {
  assert.equal(redactUrl('http://user:s3cret@collector:4318/v1/traces?token=abc'), 'http://REDACTED@collector:4318/v1/traces?REDACTED');
  assert.equal(redactUrl('https://collector:4318/v1/traces'), 'https://collector:4318/v1/traces');
  assert.equal(redactUrl('user:s3cret@collector:4317'), 'REDACTED@collector:4317');
});

for (const protocol of ['http/protobuf', 'grpc'] as const) {
  test(`${protocol}: the start log names the endpoint without credentials and the headers without values`, async () => {
    const ctx = testContext('otlp');
    const exp = otlpExporterFactory.create({
      ...otlpExporterFactory.defaultConfig(), protocol, endpoint: 'http://lumen:s3cretpw@127.0.0.1:19481?api_key=k3y', headers: { authorization: 'Bearer t0ken-value' },
    }, ctx);
    await exp.start();
    await exp.shutdown();
    const text = JSON.stringify(ctx.logs);
    assert.match(text, /otlp exporter ready/);
    assert.match(text, /authorization/, 'the header name is there');
    for (const secret of ['s3cretpw', 'k3y', 't0ken-value']) assert.ok(!text.includes(secret), `${secret} in ${text}`);
  });
}

test('shutdown with a collector that never answers: resolves by the deadline, counts the spans it dropped', async (t) => {
  const sockets: Socket[] = [];
  const hole = createServer((s) => { sockets.push(s); s.on('error', () => {}); });
  await new Promise<void>((r) => hole.listen(19482, '127.0.0.1', r));
  t.after(() => { for (const s of sockets) s.destroy(); hole.close(); });
  const ctx = testContext('otlp');
  const exp = otlpExporterFactory.create({ ...otlpExporterFactory.defaultConfig(), protocol: 'http/protobuf', endpoint: 'http://127.0.0.1:19482', batch: { max_size: 10, timeout: '10ms' } } as never, ctx);
  await exp.start();
  const svc = sampleService('api', 41);
  exp.consume(spanBatch(Array.from({ length: 25 }, (_, i) => sampleHttpSpan(svc, { seq: i + 1 }))), 'traces');
  for (let i = 0; i < 50 && sockets.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  const t0 = performance.now();
  await exp.shutdown(Date.now() + 500);
  const ms = performance.now() - t0;
  assert.ok(ms < 900, `shutdown honoured its deadline (${Math.round(ms)} ms)`);
  assert.equal(ctx.metrics.value('lumen_exporter_dropped_spans_total', { reason: 'shutdown' }), 25, 'every span the collector did not take is counted');
  assert.match(JSON.stringify(ctx.logs), /dropped/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { prometheusExporterFactory, type PrometheusExporter } from './index.js';
import { CHUNK_CHARS, expositionChunks } from './render.js';
import { listen } from './server.js';
import { spanBatch } from '../../src/model/batch.js';
import { MetricAggregator } from '../../src/metrics/aggregator.js';
import { testContext } from '../../test/support/context.js';
import { sampleHttpSpan, sampleService } from '../../test/support/sample-spans.js';

const api = sampleService('api', 31);

/** GET over a raw socket: status, body, how many data events the body came in, and whether the response completed. */
function get(port: number, path = '/metrics'): Promise<{ status: number; body: string; reads: number; complete: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      let reads = 0;
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
        reads++;
      });
      res.on('end', () => resolve({ status: res.statusCode!, body, reads, complete: res.complete }));
      res.on('error', () => resolve({ status: res.statusCode!, body, reads, complete: false }));
      res.on('aborted', () => resolve({ status: res.statusCode!, body, reads, complete: false }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('the exposition is rendered in bounded chunks whose concatenation is the whole scrape', () => {
  const agg = new MetricAggregator({ maxSeries: 100_000 });
  agg.consume(spanBatch(Array.from({ length: 3000 }, (_, i) => sampleHttpSpan(api, { route: `/r/${i}` }))));
  const views = agg.collect();
  const chunks = [...expositionChunks(views, [], 'h')];
  assert.ok(chunks.length > 10, `${chunks.length} chunks`);
  // A chunk closes at the first series that fills it: at most one histogram series (~6 KB) past the mark.
  for (const c of chunks) assert.ok(c.length < CHUNK_CHARS + 8192, `chunk of ${c.length}`);
  const text = chunks.join('');
  assert.equal(text.split('\n').filter((l) => l.startsWith('http_server_request_duration_seconds_count{')).length, 3000);
  assert.ok(text.endsWith('\n'));
  assert.equal(text.match(/^target_info\{/gm)?.length, 1);
});

test('a large scrape streams over HTTP and arrives whole; HEAD renders nothing', async (t) => {
  const ctx = testContext('prometheus');
  const exp = prometheusExporterFactory.create({ ...prometheusExporterFactory.defaultConfig(), endpoint: { host: '127.0.0.1', port: 0 } }, ctx) as PrometheusExporter;
  t.after(() => exp.shutdown());
  await exp.start();
  exp.consume(spanBatch(Array.from({ length: 3000 }, (_, i) => sampleHttpSpan(api, { route: `/r/${i}` }))), 'metrics');
  const port = exp.address()!.port;
  const res = await get(port);
  assert.equal(res.status, 200);
  assert.ok(res.complete);
  assert.ok(res.body.length > 20 * CHUNK_CHARS, `${res.body.length} chars`);
  assert.ok(res.reads > 1, 'written as several chunks');
  // Everything but the scrape counter (one more after this scrape) is what render() gives now.
  const strip = (s: string) => s.replace(/^lumen_prometheus_scrapes_total.*$/m, '');
  assert.equal(strip(res.body), strip(exp.render()));
  const head = await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.match(head.headers.get('content-type') ?? '', /version=0\.0\.4/);
});

test('a render that fails before its first chunk is a 500; one that fails later cuts the response (never a complete-looking scrape)', async (t) => {
  let failAfter = 0;
  const server = await listen({ host: '127.0.0.1', port: 0 }, '/metrics', function* () {
    for (let i = 0; i < 100; i++) {
      if (i === failAfter) throw new Error('boom');
      yield `m{i="${i}"} ${'1'.repeat(CHUNK_CHARS)}\n`;
    }
  });
  t.after(() => server.close());
  const early = await get(server.address.port);
  assert.equal(early.status, 500);
  assert.equal(early.body, 'render failed: boom\n');
  failAfter = 50;
  const late = await get(server.address.port);
  assert.equal(late.status, 200);
  assert.equal(late.complete, false, 'the response is cut, not ended');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAgent, createMemoryLogger } from '../distribution/index.js';
import type { Span } from '../src/model/span.js';
import { sampleHttpSpan, sampleService } from './support/sample-spans.js';

/**
 * End to end through the real engine: the replay receiver feeds HTTP server spans with raw id paths, the
 * processors turn them into bounded series, the real Prometheus exporter serves them; the test scrapes it.
 */
const PORT = 19410;
const svc = sampleService('shop', 4242);

function jsonl(spans: Span[]): string {
  return spans.map((s) => JSON.stringify(s, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))).join('\n') + '\n';
}

async function scrapeUntil(url: string, done: (text: string) => boolean, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    try {
      text = await (await fetch(url)).text();
      if (done(text)) return text;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${url}; last scrape:\n${text.slice(0, 3000)}`);
}

test('replay → redaction, routes, filter, attributes, cardinality_guard → prometheus: /users/123/orders/456 is http_route="/users/*/orders/*"', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lumen-processors-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const spans: Span[] = [];
  let seq = 1;
  for (let i = 0; i < 40; i++) spans.push(sampleHttpSpan(svc, { path: `/users/${100 + i}/orders/${9000 + i}`, route: '', status: i % 10 === 0 ? 404 : 200, seq: seq++ }));
  for (let i = 0; i < 5; i++) spans.push(sampleHttpSpan(svc, { path: '/health', route: '', seq: seq++ }));
  const words = ['alpha', 'bravo', 'delta', 'echo', 'golf', 'hotel', 'india', 'kilo', 'lima', 'mike'];
  for (const w of words) spans.push(sampleHttpSpan(svc, { path: `/catalog/${w}`, route: '', seq: seq++ }));
  writeFileSync(join(dir, 'spans.jsonl'), jsonl(spans));

  const agent = createAgent({
    logger: createMemoryLogger().logger,
    config: {
      receivers: { replay: { path: join(dir, 'spans.jsonl'), pace: 'fast' } },
      processors: {
        redaction: {},
        routes: { patterns: [] },
        filter: { drop: [{ 'url.path': { match: '/health' } }] },
        attributes: {
          actions: [{ key: 'status_code', action: 'insert', from_attribute: 'http.response.status_code' }],
          select: { http_server_request_duration_seconds: { include: ['service.name', 'http.request.method', 'http.route', 'status_code'] } },
        },
        cardinality_guard: { max_attribute_sets_per_metric: 6 },
      },
      exporters: { prometheus: { endpoint: `127.0.0.1:${PORT}` } },
      service: { pipelines: { metrics: { receivers: ['replay'], processors: ['redaction', 'routes', 'filter', 'attributes', 'cardinality_guard'], exporters: ['prometheus'] } } },
    },
  });
  t.after(() => agent.stop());
  await agent.start();
  const count = (text: string) => [...text.matchAll(/^http_server_request_duration_seconds_count\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
  const text = await scrapeUntil(`http://127.0.0.1:${PORT}/metrics`, (s) => count(s) >= 50);
  const lines = text.split('\n').filter((l) => l.startsWith('http_server_request_duration_seconds_count{'));
  const byRoute = (route: string) => lines.filter((l) => l.includes(`http_route="${route}"`));
  assert.equal(count(text), 50, 'every span counted except the 5 dropped /health ones');
  assert.deepEqual(byRoute('/users/*/orders/*').map((l) => /status_code="(\d+)"/.exec(l)?.[1]).sort(), ['200', '404']);
  assert.equal(byRoute('/users/*/orders/*').reduce((n, l) => n + Number(l.split(' ').pop()), 0), 40);
  assert.ok(!text.includes('/users/100'), 'no raw path reaches a label');
  assert.ok(!text.includes('http_route="/health"'));
  // 2 user sets + 4 catalog routes fill the limit of 6; the other 6 words go to the overflow series.
  assert.equal(byRoute('/catalog/').length, 0);
  assert.equal(lines.filter((l) => l.includes('http_route="/catalog/')).length, 4);
  const overflow = lines.filter((l) => l.includes('otel_metric_overflow="true"'));
  assert.equal(overflow.length, 1);
  assert.equal(Number(overflow[0]!.split(' ').pop()), 6);
  assert.ok(!overflow[0]!.includes('http_route='), 'the overflow series carries no other attribute');
  assert.match(text, /lumen_cardinality_overflow_total\{[^}]*metric="http.server.request.duration"[^}]*\} 6/);
});

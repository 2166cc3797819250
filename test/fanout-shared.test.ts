import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../src/config/load.js';
import { spanBatch } from '../src/model/batch.js';
import type { Span } from '../src/model/span.js';
import type { AnyFactory, ExporterFactory, ProcessorFactory } from '../src/component/contract.js';
import { Engine } from '../src/engine/engine.js';
import { FactoryRegistry } from '../src/component/registry.js';
import { InternalMetrics } from '../src/telemetry/internal-metrics.js';
import { createMemoryLogger } from '../src/telemetry/memory-logger.js';
import { routesProcessorFactory, type RoutesConfig } from '../processors/routes/index.js';
import { pushReceiverFactory } from './support/factories.js';
import { sampleHttpSpan, sampleService } from './support/sample-spans.js';
import { xorshift32 } from './support/xorshift.js';

/** An exporter that writes down, when it is handed a batch, what each span says then (and keeps the objects). */
function snapshotExporterFactory() {
  const lines = new Map<string, string[]>();
  const objects = new Map<string, Span[]>();
  const factory: ExporterFactory<Record<string, never>> = {
    type: 'snap', kind: 'exporter', signals: ['traces', 'metrics'], schema: { type: 'object' }, defaultConfig: () => ({}),
    create(_config, ctx) {
      lines.set(ctx.id, []);
      objects.set(ctx.id, []);
      return {
        async start() {},
        consume(batch) {
          if (batch.kind !== 'spans') return;
          for (const s of batch.items) {
            lines.get(ctx.id)!.push(`${s.trace.spanId} ${s.name} ${s.http?.route} ${s.http?.path}`);
            objects.get(ctx.id)!.push(s);
          }
        },
        async forceFlush() {},
        async shutdown() {},
      };
    },
  };
  return { factory, lines, objects };
}

const yaml = (ignoreMode: string) => `receivers: { push: }
processors:
  routes: { unmatched: heuristic, max_routes_per_service: 4, patterns: ["/api/:id"], ignored_patterns: ["/health"], ignore_mode: ${ignoreMode} }
exporters: { snap/t: , snap/m: , snap/raw: }
service:
  pipelines:
    traces: { receivers: [push], processors: [routes], exporters: [snap/t] }
    metrics: { receivers: [push], processors: [routes], exporters: [snap/m] }
    traces/raw: { receivers: [push], exporters: [snap/raw] }
`;

/** Batches of HTTP spans over a few services: declared, ignored, id-like and word paths (more routes than the budget). */
function batches(seed: number): Span[][] {
  const next = xorshift32(seed);
  const services = [sampleService('a', 1), sampleService('b', 2)];
  const paths = ['/api/7', '/health', '/users/42', '/users/43/orders', '/w/alpha', '/w/beta', '/w/gamma', '/w/delta', '/w/eps', '/', '/x/y/z'];
  const out: Span[][] = [];
  let seq = 0;
  for (let b = 0; b < 40; b++) {
    const spans: Span[] = [];
    for (let i = next() % 64; i >= 0; i--) {
      spans.push(sampleHttpSpan(services[next() % 2]!, { seq: ++seq, path: paths[next() % paths.length]!, route: next() % 9 === 0 ? '/known' : '', method: next() % 3 ? 'GET' : 'POST' }));
    }
    out.push(spans);
  }
  return out;
}

async function run(routes: ProcessorFactory<RoutesConfig>, seed: number, ignoreMode = 'all') {
  const push = pushReceiverFactory();
  const snap = snapshotExporterFactory();
  const registry = new FactoryRegistry([push.factory, snap.factory, routes] as AnyFactory[]);
  const { config, source } = loadConfig({ yaml: yaml(ignoreMode), file: 'fanout-shared.yaml', env: {} }, registry);
  const engine = await Engine.create(config, { registry, logger: createMemoryLogger().logger, metrics: new InternalMetrics(), source, hostName: 'test-host' });
  await engine.start();
  for (const items of batches(seed)) {
    push.instances.get('push')!.subject.next(spanBatch(items));
    await new Promise((r) => setImmediate(r));
  }
  await engine.stop();
  return snap;
}

test('fan-out: pipelines with the same routes processor share the spans, and print what their own copies would', async () => {
  const { sharesSpans: _, ...copying } = routesProcessorFactory;
  for (const seed of [1, 2, 3]) {
    const shared = await run(routesProcessorFactory, seed);
    const copied = await run(copying, seed);
    for (const id of ['snap/t', 'snap/m', 'snap/raw']) assert.deepEqual(shared.lines.get(id), copied.lines.get(id), `${id}, seed ${seed}`);
    // The fast path was taken: traces and metrics exporters got the same objects; the raw pipeline its own copies.
    const t = shared.objects.get('snap/t')!;
    assert.ok(t.length > 0 && t.every((s, i) => s === shared.objects.get('snap/m')![i]), 'the same span objects in both pipelines');
    assert.ok(shared.objects.get('snap/raw')!.every((s) => !t.includes(s) && s.name === ''), 'the raw pipeline gets unrouted copies');
    assert.ok(!copied.objects.get('snap/m')!.some((s) => t.includes(s)));
    assert.ok(copied.lines.get('snap/m')!.some((l) => l.includes(' /** ')), 'some routes overflowed the budget of 4 per service');
  }
});

test('fan-out: ignored paths that leave only the traces pipeline keep copies (each pipeline route budget counts other spans)', async () => {
  const shared = await run(routesProcessorFactory, 1, 'traces');
  const t = new Set(shared.objects.get('snap/t'));
  assert.ok(t.size > 0 && !shared.objects.get('snap/m')!.some((s) => t.has(s)), 'copies');
  assert.ok(shared.lines.get('snap/m')!.length > shared.lines.get('snap/t')!.length, '/health only left the traces pipeline');
});

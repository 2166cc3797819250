import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../src/config/load.js';
import { spanBatch, type SpanBatch } from '../src/model/batch.js';
import { routesProcessorFactory } from '../processors/routes/index.js';
import { memoryExporterFactory, pushReceiverFactory, tagProcessorFactory } from './support/factories.js';
import { sampleHttpSpan, sampleService } from './support/sample-spans.js';
import type { AnyFactory } from '../src/component/contract.js';
import { Engine } from '../src/engine/engine.js';
import { FLUSH_AT_ITEMS } from '../src/engine/queue.js';
import { FactoryRegistry } from '../src/component/registry.js';
import { InternalMetrics } from '../src/telemetry/internal-metrics.js';
import { createMemoryLogger } from '../src/telemetry/memory-logger.js';

async function engineFor(yaml: string, factories: AnyFactory[]) {
  const registry = new FactoryRegistry(factories);
  const { config, source } = loadConfig({ yaml, file: 'fanout.yaml', env: {} }, registry);
  const { logger } = createMemoryLogger();
  const engine = await Engine.create(config, { registry, logger, metrics: new InternalMetrics(), source, hostName: 'test-host' });
  return { engine };
}

/**
 * Two routed pipelines (traces through `routes`, metrics through `routes/b`, both to `memory`) and a raw traces
 * pipeline to `memory/raw`, all from the `push` receiver; `processors` adds to the processors map, `pipeline` a line.
 */
function routedAndRawYaml(processors = '', pipeline = ''): string {
  return [
    'receivers: { push: }',
    `processors: { routes: , routes/b: { unmatched: wildcard }${processors} }`,
    'exporters: { memory: , memory/raw: }',
    'service:',
    '  pipelines:',
    '    traces: { receivers: [push], processors: [routes], exporters: [memory] }',
    '    metrics: { receivers: [push], processors: [routes/b], exporters: [memory] }',
    '    traces/raw: { receivers: [push], exporters: [memory/raw] }',
    pipeline,
  ].join('\n');
}

test('fan-out: pipelines whose processors only write names and routes share connection, trace and attributes', async () => {
  const setup = async (extra: string) => {
    const push = pushReceiverFactory();
    const mem = memoryExporterFactory();
    const { engine } = await engineFor(routedAndRawYaml(', tag: ', extra), [push.factory, mem.factory, routesProcessorFactory, tagProcessorFactory().factory]);
    await engine.start();
    const original = spanBatch([sampleHttpSpan(sampleService('shop', 1), { path: '/users/123', route: '' })]);
    push.instances.get('push')!.subject.next(original);
    await engine.stop();
    const spans = [...mem.instances.get('memory')!.batches, ...mem.instances.get('memory/raw')!.batches].map((e) => (e.batch as SpanBatch).items[0]!);
    return { spans, original: original.items[0]! };
  };
  const light = await setup('');
  assert.equal(light.spans.length, 3);
  assert.equal(new Set(light.spans).size, 3, 'distinct spans');
  assert.equal(new Set(light.spans.map((s) => s.http)).size, 3, 'distinct http objects');
  assert.deepEqual(light.spans.map((s) => s.http!.route).sort(), ['', '/**', '/users/*']);
  assert.deepEqual(light.spans.map((s) => s.name).sort(), ['', 'GET /**', 'GET /users/*']);
  assert.ok(light.spans.every((s) => s.connection === light.original.connection && s.trace === light.original.trace && s.attributes === light.original.attributes), 'shared');
  // One pipeline with a processor that declares nothing: every copy is a full one again.
  const full = await setup('    traces/tag: { receivers: [push], processors: [tag], exporters: [memory] }');
  assert.equal(full.spans.length, 4);
  assert.equal(new Set(full.spans.map((s) => s.attributes)).size, 4, 'attributes copied per pipeline');
  assert.equal(new Set(full.spans.map((s) => s.connection)).size, 4);
  assert.equal(new Set(full.spans.map((s) => s.trace)).size, 4);
  assert.deepEqual(full.spans.map((s) => s.attributes['tag'] ?? '').sort(), ['', '', '', 'v:traces']);
});

test('fan-out: a batch large enough to be delivered at once (FLUSH_AT_ITEMS) is copied for every pipeline before any processes it', async () => {
  const push = pushReceiverFactory();
  const mem = memoryExporterFactory();
  const { engine } = await engineFor(routedAndRawYaml(), [push.factory, mem.factory, routesProcessorFactory]);
  await engine.start();
  const n = FLUSH_AT_ITEMS + 10;
  push.instances.get('push')!.subject.next(spanBatch(Array.from({ length: n }, () => sampleHttpSpan(sampleService('shop', 1), { path: '/users/123', route: '' }))));
  const delivered = mem.instances.get('memory')!.batches.length + mem.instances.get('memory/raw')!.batches.length;
  await engine.stop();
  assert.equal(delivered, 3, 'delivered within the push (the flush path ran)');
  const routes = (id: string) => new Set(mem.instances.get(id)!.batches.flatMap((e) => (e.batch as SpanBatch).items.map((s) => `${s.name}|${s.http!.route}`)));
  assert.deepEqual([...routes('memory')].sort(), ['GET /**|/**', 'GET /users/*|/users/*']);
  assert.deepEqual([...routes('memory/raw')], ['|'], 'the pipeline without processors sees the spans as received');
});

test('fan-out: aggregate spans only to metrics pipelines, spans already counted in the kernel only to traces pipelines', async () => {
  const push = pushReceiverFactory();
  const mem = memoryExporterFactory();
  const { engine } = await engineFor(
    [
      'receivers: { push: }',
      'processors: { routes: }',
      'exporters: { memory/t: , memory/m: , memory/raw: }',
      'service:',
      '  pipelines:',
      '    traces: { receivers: [push], processors: [routes], exporters: [memory/t] }',
      '    metrics: { receivers: [push], processors: [routes], exporters: [memory/m] }',
      '    traces/raw: { receivers: [push], exporters: [memory/raw] }',
    ].join('\n'),
    [push.factory, mem.factory, routesProcessorFactory],
  );
  await engine.start();
  const svc = sampleService('shop', 1);
  const plain = sampleHttpSpan(svc, { path: '/plain', route: '' });
  const counted = sampleHttpSpan(svc, { path: '/counted', route: '' });
  counted.countedInKernel = true;
  const aggregate = sampleHttpSpan(svc, { path: '/aggregate', route: '' });
  const delta = { sum: 0, counts: new Float64Array(1), bounds: [] };
  aggregate.aggregate = { count: 3, duration: delta, requestBodySize: delta, responseBodySize: delta };
  push.instances.get('push')!.subject.next(spanBatch([plain, counted, aggregate]));
  // Only counted spans: the metrics pipeline gets no (empty) batch.
  const onlyCounted = sampleHttpSpan(svc, { path: '/counted2', route: '' });
  onlyCounted.countedInKernel = true;
  push.instances.get('push')!.subject.next(spanBatch([onlyCounted]));
  await engine.stop();
  const paths = (id: string) => mem.instances.get(id)!.batches.map((e) => (e.batch as SpanBatch).items.map((s) => s.http!.path));
  assert.deepEqual(paths('memory/t'), [['/plain', '/counted'], ['/counted2']]);
  assert.deepEqual(paths('memory/raw'), [['/plain', '/counted'], ['/counted2']]);
  assert.deepEqual(paths('memory/m'), [['/plain', '/aggregate']]);
});

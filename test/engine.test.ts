import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { Subject } from 'rxjs';
import { loadConfig } from '../src/config/load.js';
import { ConfigError } from '../src/config/errors.js';
import { Engine, StartError } from '../src/engine/engine.js';
import { LumenError } from '../src/errors/index.js';
import { FactoryRegistry } from '../src/component/registry.js';
import { InternalMetrics } from '../src/telemetry/internal-metrics.js';
import { createMemoryLogger } from '../src/telemetry/memory-logger.js';
import type { AnyFactory, ComponentContext, ExporterFactory } from '../src/component/contract.js';
import type { Discovery, DiscoveryEvent } from '../src/discovery/types.js';
import { flowBatch, spanBatch, type SpanBatch } from '../src/model/batch.js';
import { memoryExporterFactory, pushReceiverFactory, tagProcessorFactory } from './support/factories.js';
import { testSpan } from './support/spans.js';

async function engineFor(yaml: string, factories: AnyFactory[], extra: Partial<Parameters<typeof Engine.create>[1]> = {}) {
  const registry = new FactoryRegistry(factories);
  const { config, source } = loadConfig({ yaml, file: 'engine.yaml', env: {} }, registry);
  const { logger, entries } = createMemoryLogger();
  const metrics = new InternalMetrics();
  const engine = await Engine.create(config, { registry, logger, metrics, source, hostName: 'test-host', ...extra });
  return { engine, metrics, logs: entries };
}

test('lifecycle: exporters start before receivers; receivers stop first, then flush and shutdown', async () => {
  const order: string[] = [];
  const push = pushReceiverFactory('push', ['traces'], order);
  const mem = memoryExporterFactory('memory', ['traces'], { order });
  const { engine } = await engineFor(
    'receivers: { push: }\nexporters: { memory: }\nservice: { pipelines: { traces: { receivers: [push], exporters: [memory] } } }',
    [push.factory, mem.factory],
  );
  await engine.start();
  assert.equal(engine.state, 'running');
  push.instances.get('push')!.subject.next(spanBatch([testSpan(1), testSpan(2)]));
  await engine.stop();
  await engine.stop(); // safe twice
  assert.deepEqual(order, ['memory:start', 'push:start', 'push:shutdown', 'memory:flush', 'memory:shutdown']);
  assert.equal(mem.instances.get('memory')!.batches.length, 1, 'the queued batch was drained before the exporter shut down');
  assert.equal(engine.state, 'stopped');
});

test('the running engine reports its own process (lumen_process_*); stop ends the GC observation', async () => {
  const push = pushReceiverFactory();
  const mem = memoryExporterFactory();
  const { engine, metrics } = await engineFor(
    'receivers: { push: }\nexporters: { memory: }\nservice: { pipelines: { traces: { receivers: [push], exporters: [memory] } } }',
    [push.factory, mem.factory],
  );
  assert.equal(metrics.value('lumen_process_cpu_seconds_total'), 0, 'registered only when the engine starts');
  await engine.start();
  assert.ok(metrics.value('lumen_process_cpu_seconds_total') > 0);
  assert.ok(metrics.value('lumen_process_resident_memory_bytes') > 10 * 2 ** 20);
  await engine.stop();
  const runs = metrics.value('lumen_process_gc_runs_total');
  let garbage: unknown[] = [];
  for (let i = 0; i < 300_000; i++) garbage.push({ i });
  garbage = [];
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(metrics.value('lumen_process_gc_runs_total'), runs, 'GC still observed after stop');
});

test('fan-out: each pipeline with processors gets its own copy; exporters are shared', async () => {
  const push = pushReceiverFactory();
  const mem = memoryExporterFactory();
  const { engine, metrics } = await engineFor(
    [
      'receivers: { push: }',
      'processors: { tag: { value: a }, tag/b: { value: b } }',
      'exporters: { memory: , memory/raw: }',
      'service:',
      '  pipelines:',
      '    traces: { receivers: [push], processors: [tag], exporters: [memory] }',
      '    traces/b: { receivers: [push], processors: [tag/b], exporters: [memory] }',
      '    metrics: { receivers: [push], exporters: [memory/raw] }',
    ].join('\n'),
    [push.factory, mem.factory, tagProcessorFactory().factory],
  );
  await engine.start();
  const original = spanBatch([testSpan(1)]);
  push.instances.get('push')!.subject.next(original);
  await engine.stop();
  const shared = mem.instances.get('memory')!.batches;
  assert.deepEqual(shared.map((b) => [b.signal, (b.batch as SpanBatch).items[0]!.attributes['tag']]).sort(), [['traces', 'a:traces'], ['traces', 'b:traces']]);
  const raw = mem.instances.get('memory/raw')!.batches;
  assert.equal(raw.length, 1);
  assert.equal(raw[0]!.signal, 'metrics');
  assert.deepEqual((raw[0]!.batch as SpanBatch).items[0]!.attributes, {}, 'the processor-less pipeline saw no mutation');
  const items = [...shared, ...raw].map((b) => (b.batch as SpanBatch).items[0]!);
  assert.equal(new Set(items).size, 3, 'three distinct span objects');
  assert.ok(items.every((s) => s.service === original.items[0]!.service), 'the interned service is shared');
  assert.equal(metrics.value('lumen_receiver_received_items_total', { component: 'push' }), 1);
  assert.equal(metrics.value('lumen_processor_incoming_items_total', { component: 'tag/b', pipeline: 'traces/b' }), 1);
  assert.equal(metrics.value('lumen_processor_outgoing_items_total', { component: 'tag', pipeline: 'traces' }), 1);
  assert.equal(metrics.value('lumen_exporter_accepted_items_total', { component: 'memory' }), 2);
  assert.equal(metrics.value('lumen_exporter_accepted_items_total', { component: 'memory/raw', pipeline: 'metrics' }), 1);
});

test('batches go only to pipelines of their signal', async () => {
  const push = pushReceiverFactory('push', ['traces', 'flows']);
  const mem = memoryExporterFactory();
  const { engine } = await engineFor(
    'receivers: { push: }\nexporters: { memory: }\nservice: { pipelines: { traces: { receivers: [push], exporters: [memory] }, flows: { receivers: [push], exporters: [memory] } } }',
    [push.factory, mem.factory],
  );
  await engine.start();
  const s = push.instances.get('push')!.subject;
  s.next(spanBatch([testSpan(1)]));
  s.next(flowBatch([{ srcAddress: '10.0.0.1', dstAddress: '10.0.0.2', srcPort: 1, dstPort: 2, transport: 'tcp', direction: 'egress', interface: 'eth0', bytes: 10, packets: 1, startUnixNano: 0n, endUnixNano: 1n, attributes: {} }]));
  await engine.stop();
  assert.deepEqual(mem.instances.get('memory')!.batches.map((b) => `${b.signal}:${b.batch.kind}`).sort(), ['flows:flows', 'traces:spans']);
});

test('bounded queue: a full queue drops whole batches and counts them per receiver and pipeline', async () => {
  const push = pushReceiverFactory();
  const mem = memoryExporterFactory();
  const { engine, metrics } = await engineFor(
    'receivers: { push: }\nexporters: { memory: }\nservice:\n  queue_size: 10\n  pipelines: { traces: { receivers: [push], exporters: [memory] } }',
    [push.factory, mem.factory],
  );
  await engine.start();
  const s = push.instances.get('push')!.subject;
  for (let i = 0; i < 5; i++) s.next(spanBatch([0, 1, 2, 3, 4].map((j) => testSpan(i * 5 + j))));
  assert.equal(metrics.value('lumen_queue_items', { pipeline: 'traces' }), 10);
  assert.equal(metrics.value('lumen_queue_capacity_items', { pipeline: 'traces' }), 10);
  await tick();
  assert.equal(metrics.value('lumen_queue_items', { pipeline: 'traces' }), 0);
  s.next(spanBatch([testSpan(99)]));
  await engine.stop();
  assert.equal(metrics.value('lumen_queue_dropped_items_total', { component: 'push', pipeline: 'traces' }), 15);
  assert.equal(mem.instances.get('memory')!.batches.length, 3);
});

test('an exporter that throws never stops the pipeline; failures are counted and logged once per interval', async () => {
  const push = pushReceiverFactory();
  const bad = memoryExporterFactory('memory', ['traces'], { failEvery: 2 });
  const { engine, metrics, logs } = await engineFor(
    'receivers: { push: }\nexporters: { memory: }\nservice: { pipelines: { traces: { receivers: [push], exporters: [memory] } } }',
    [push.factory, bad.factory],
  );
  await engine.start();
  for (let i = 0; i < 6; i++) {
    push.instances.get('push')!.subject.next(spanBatch([testSpan(i)]));
    await tick();
  }
  await engine.stop();
  assert.equal(bad.instances.get('memory')!.batches.length, 3);
  assert.equal(metrics.value('lumen_exporter_failed_items_total', { component: 'memory' }), 3);
  assert.equal(metrics.value('lumen_exporter_accepted_items_total', { component: 'memory' }), 3);
  assert.equal(logs.filter((l) => l.msg === 'exporter failed to accept a batch').length, 1, 'rate-limited');
});

test('a processor that throws restarts the pipeline; later batches still flow', async () => {
  const push = pushReceiverFactory();
  const mem = memoryExporterFactory();
  const { engine, metrics } = await engineFor(
    'receivers: { push: }\nprocessors: { tag: }\nexporters: { memory: }\nservice: { pipelines: { traces: { receivers: [push], processors: [tag], exporters: [memory] } } }',
    [push.factory, mem.factory, tagProcessorFactory('tag', ['traces'], { failOn: 'boom' }).factory],
  );
  await engine.start();
  const s = push.instances.get('push')!.subject;
  s.next(spanBatch([testSpan(1)]));
  await tick();
  s.next(spanBatch([testSpan(2, { name: 'boom' })]));
  await tick();
  await new Promise((r) => setTimeout(r, 5));
  s.next(spanBatch([testSpan(3)]));
  await engine.stop();
  assert.equal(metrics.value('lumen_pipeline_errors_total', { pipeline: 'traces' }), 1);
  assert.deepEqual(mem.instances.get('memory')!.batches.map((b) => (b.batch as SpanBatch).items[0]!.http!.path), ['/items/1', '/items/3']);
});

test('construction errors are ConfigErrors naming the component', async () => {
  const push = pushReceiverFactory();
  const bad = memoryExporterFactory('memory', ['traces'], { createError: 'certificate file /x.pem not found' });
  await assert.rejects(
    engineFor('receivers: { push: }\nexporters:\n  memory:\nservice: { pipelines: { traces: { receivers: [push], exporters: [memory] } } }', [push.factory, bad.factory]),
    (e: unknown) => e instanceof ConfigError && e.stage === 'construction' && e.message === 'engine.yaml:3:3 exporters.memory: cannot be created: certificate file /x.pem not found',
  );
});

test('a receiver failing to start stops everything already started and reports the component', async () => {
  const order: string[] = [];
  const push = pushReceiverFactory('push', ['traces'], order, { startError: 'permission denied' });
  const mem = memoryExporterFactory('memory', ['traces'], { order });
  const { engine } = await engineFor(
    'receivers:\n  push:\nexporters: { memory: }\nservice: { pipelines: { traces: { receivers: [push], exporters: [memory] } } }',
    [push.factory, mem.factory],
  );
  await assert.rejects(engine.start(), (e: unknown) => e instanceof StartError && e.message === 'engine.yaml:2:3 receivers.push: cannot start: permission denied');
  assert.deepEqual(order, ['memory:start', 'push:start', 'push:shutdown', 'memory:flush', 'memory:shutdown']);
  assert.equal(engine.state, 'stopped');
});

test('discovery: created with the graph for a receiver declaring usesDiscovery, started once before receivers, shut down last', async () => {
  const order: string[] = [];
  const push = pushReceiverFactory('push', ['traces'], order, { useDiscovery: true });
  const mem = memoryExporterFactory('memory', ['traces'], { order });
  const events = new Subject<DiscoveryEvent>();
  let discoveryConfig: unknown;
  const discovery: Discovery = {
    async start() { order.push('discovery:start'); },
    async shutdown() { order.push('discovery:shutdown'); },
    processes: () => new Map(),
    events,
    service: () => undefined,
  };
  const { engine } = await engineFor(
    'discovery: { instrument: [{ open_ports: 19100 }] }\nreceivers: { push: }\nexporters: { memory: }\nservice: { pipelines: { traces: { receivers: [push], exporters: [memory] } } }',
    [push.factory, mem.factory],
    { createDiscovery: (c) => { discoveryConfig = c; return discovery; } },
  );
  await engine.start();
  await engine.stop();
  assert.deepEqual(order, ['memory:start', 'discovery:start', 'push:start', 'push:shutdown', 'memory:flush', 'memory:shutdown', 'discovery:shutdown']);
  assert.deepEqual((discoveryConfig as { instrument: unknown }).instrument, [{ open_ports: 19100 }]);
});

test('discovery: not created when no component declares it; ctx.discovery() then says why, coded', async () => {
  let created = 0;
  let thrown: unknown;
  const push = pushReceiverFactory('push', ['traces']);
  const asks: typeof push.factory = {
    ...push.factory,
    create(c, ctx) {
      try {
        ctx.discovery();
      } catch (e) {
        thrown = e;
      }
      return push.factory.create(c, ctx);
    },
  };
  const mem = memoryExporterFactory('memory', ['traces']);
  const { engine } = await engineFor(
    'receivers: { push: }\nexporters: { memory: }\nservice: { pipelines: { traces: { receivers: [push], exporters: [memory] } } }',
    [asks, mem.factory],
    { createDiscovery: () => { created++; throw new Error('not expected'); } },
  );
  await engine.start();
  await engine.stop();
  assert.equal(created, 0);
  assert.ok(thrown instanceof LumenError && thrown.code === 'LUMEN_DISCOVERY_UNAVAILABLE' && /usesDiscovery/.test(thrown.message));
});

test('internal metrics can be turned off for exporters; taps see received and processed batches', async () => {
  const push = pushReceiverFactory();
  let seen: unknown[] | undefined;
  const peek: ExporterFactory<unknown> = {
    ...memoryExporterFactory().factory,
    type: 'peek',
    create(_c: unknown, ctx: ComponentContext) {
      return { async start() {}, consume() { seen = ctx.internalMetrics.collect(); }, async forceFlush() {}, async shutdown() {} };
    },
  };
  const { engine, metrics } = await engineFor(
    'receivers: { push: }\nexporters: { peek: }\nservice:\n  telemetry: { metrics: { enabled: false } }\n  pipelines: { traces: { receivers: [push], exporters: [peek] } }',
    [push.factory, peek],
  );
  const received: string[] = [];
  const processed: string[] = [];
  engine.received$.subscribe((r) => received.push(`${r.receiver}:${r.batch.items.length}`));
  engine.processed$.subscribe((p) => processed.push(`${p.pipeline}:${p.signal}:${p.batch.items.length}`));
  await engine.start();
  push.instances.get('push')!.subject.next(spanBatch([testSpan(1), testSpan(2)]));
  await engine.stop();
  assert.deepEqual(seen, []);
  assert.ok(metrics.collect().length > 0, 'still counted internally');
  assert.deepEqual(received, ['push:2']);
  assert.deepEqual(processed, ['traces:traces:2']);
});

test('receiversDone resolves when every receiver output completes', async () => {
  const push = pushReceiverFactory();
  const mem = memoryExporterFactory();
  const { engine } = await engineFor(
    'receivers: { push: , push/2: }\nexporters: { memory: }\nservice: { pipelines: { traces: { receivers: [push, push/2], exporters: [memory] } } }',
    [push.factory, mem.factory],
  );
  await engine.start();
  let done = false;
  void engine.receiversDone.then(() => (done = true));
  push.instances.get('push')!.subject.complete();
  await tick();
  assert.equal(done, false);
  push.instances.get('push/2')!.subject.complete();
  await tick();
  assert.equal(done, true);
  await engine.stop();
});

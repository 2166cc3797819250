import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAgent, ConfigError, type AnyFactory, type ExporterFactory, type SpanTap, type Batch } from '../distribution/index.js';
import { createMemoryLogger } from '../src/telemetry/memory-logger.js';
import { memoryExporterFactory } from './support/factories.js';

const SPANS = 'receivers/replay/testdata/spans.jsonl';
const yaml = (exporter = 'memory') => `
receivers:
  replay: { path: ${SPANS}, pace: fast, loop: 2, batch_size: 8 }
exporters:
  ${exporter}:
service:
  pipelines:
    traces: { receivers: [replay], exporters: [${exporter}] }
`;

const handles = () => process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap' && r !== 'PipeWrap').sort();

test('start/stop: spans flow, taps see them, nothing is left running, no signal handlers', async () => {
  const before = handles();
  const sigBefore = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
  const mem = memoryExporterFactory();
  const { logger } = createMemoryLogger();
  const agent = createAgent({ config: yaml(), configPath: 'inline.yaml', components: [mem.factory], logger });
  const taps: SpanTap[] = [];
  agent.spans$.subscribe((t) => taps.push(t));
  assert.equal(agent.state, 'created');
  await agent.start();
  assert.equal(agent.state, 'running');
  assert.deepEqual([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')], sigBefore);
  await agent.receiversDone;
  await agent.stop();
  await agent.stop();
  assert.equal(agent.state, 'stopped');
  const exported = mem.instances.get('memory')!.batches.flatMap((b) => (b.batch as Extract<Batch, { kind: 'spans' }>).items);
  assert.equal(exported.length, 72);
  assert.equal(taps.filter((t) => t.stage === 'received').reduce((n, t) => n + t.spans.length, 0), 72);
  assert.equal(taps.filter((t) => t.stage === 'processed').reduce((n, t) => n + t.spans.length, 0), 72);
  const received = agent.internalMetrics.collect().find((p) => p.name === 'lumen_receiver_received_items_total');
  assert.deepEqual([received?.labels, received?.value], [{ component: 'replay' }, 72]);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(handles(), before, 'no timer, socket or file handle left behind');
});

test('handleSignals: SIGTERM stops the agent gracefully; handlers are removed afterwards', async () => {
  const sigBefore = process.listenerCount('SIGTERM');
  const mem = memoryExporterFactory();
  const agent = createAgent({ config: yaml(), components: [mem.factory], logger: createMemoryLogger().logger, handleSignals: true });
  await agent.start();
  assert.equal(process.listenerCount('SIGTERM'), sigBefore + 1);
  process.kill(process.pid, 'SIGTERM');
  await agent.stop(); // the same promise the signal started
  assert.equal(agent.state, 'stopped');
  assert.deepEqual(mem.instances.get('memory')!.events.slice(-2), ['flush', 'shutdown']);
  assert.equal(process.listenerCount('SIGTERM'), sigBefore);
});

test('config as an object; invalid configs throw ConfigError with every error line', () => {
  const agent = createAgent({
    config: { receivers: { replay: { path: SPANS } }, exporters: { print_traces: null }, service: { pipelines: { traces: { receivers: ['replay'], exporters: ['print_traces'] } } } },
    logger: createMemoryLogger().logger,
  });
  assert.equal((agent.config.receivers['replay'] as { pace: string }).pace, 'recorded', 'defaults applied');
  assert.ok(Object.isFrozen(agent.config));
  assert.throws(
    () => createAgent({ config: { receivers: { replay: { path: SPANS, loop: 'x' } }, exporters: { nope: {} }, service: { pipelines: {} } } }),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.stage, 'schema');
      assert.equal(e.lines.length, 2);
      assert.equal(e.lines[0], 'receivers.replay.loop: must be an integer, got "x"');
      assert.match(e.lines[1]!, /^exporters\.nope: unknown exporter type "nope", known: (\w+, )*print_traces(, \w+)*$/);
      return true;
    },
  );
  assert.throws(() => createAgent({ config: 'service: [', configPath: 'p.yaml' }), (e: unknown) => e instanceof ConfigError && /^p\.yaml:1:11 invalid YAML: Flow sequence/.test(e.message));
  assert.throws(() => createAgent({}), /pass `config`/);
});

test('validate(): all four stages, construction included; a custom component replaces a built-in', async () => {
  let printed = 0;
  const quiet: ExporterFactory<unknown> = {
    type: 'print_traces', kind: 'exporter', signals: ['traces'], schema: { type: 'object' }, defaultConfig: () => ({}),
    create: () => ({ async start() {}, consume: (b) => void (printed += b.items.length), async forceFlush() {}, async shutdown() {} }),
  };
  const agent = createAgent({ config: yaml('print_traces'), components: [quiet as AnyFactory], logger: createMemoryLogger().logger });
  const report = await agent.validate();
  assert.equal(report.ok, true);
  assert.deepEqual(report.stages.map((s) => `${s.stage}:${s.status}`), ['parse:ok', 'schema:ok', 'graph:ok', 'construction:ok']);
  await agent.start();
  await agent.receiversDone;
  await agent.stop();
  assert.equal(printed, 72, 'the replacement, not the built-in, received the spans');

  const broken = createAgent({ config: yaml().replace(SPANS, 'missing.jsonl'), components: [memoryExporterFactory().factory], logger: createMemoryLogger().logger });
  const r = await broken.validate();
  assert.equal(r.ok, false);
  assert.equal(r.stages[3]!.status, 'failed');
  assert.match(r.lines[0]!, /^receivers\.replay: cannot be created: cannot read missing\.jsonl: no such file/);
  await assert.rejects(broken.start(), (e: unknown) => e instanceof ConfigError && e.stage === 'construction');
  await broken.stop();
});

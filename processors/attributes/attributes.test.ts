import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { firstValueFrom, from, toArray } from 'rxjs';
import { createAjv } from '../../src/config/ajv.js';
import { spanBatch, type Batch, type SpanBatch } from '../../src/model/batch.js';
import { spanAttributes } from '../../src/model/span-attributes.js';
import type { Span } from '../../src/model/span.js';
import { MetricAggregator } from '../../src/metrics/aggregator.js';
import { testContext } from '../../test/support/context.js';
import { sampleHttpSpan, sampleService } from '../../test/support/sample-spans.js';
import { attributesProcessorFactory, type AttributesConfig } from './index.js';

const svc = sampleService('shop', 7);
const validate = createAjv().compile(attributesProcessorFactory.schema);

async function run(config: Partial<AttributesConfig>, spans: Span[]) {
  const c = structuredClone(config) as AttributesConfig;
  assert.ok(validate(c), JSON.stringify(validate.errors));
  const out = (await firstValueFrom(from([spanBatch(spans) as Batch]).pipe(attributesProcessorFactory.create(c, testContext('attributes')), toArray()))) as Batch[] as SpanBatch[];
  return out[0]!;
}

test('an old dashboard label: insert status_code from http.response.status_code and select it', async () => {
  const batch = await run({
    actions: [{ key: 'status_code', action: 'insert', from_attribute: 'http.response.status_code' }],
    select: { http_server_request_duration_seconds: { include: ['service.name', 'http.route', 'status_code'] } },
  }, [sampleHttpSpan(svc, { status: 404, seq: 1 }), sampleHttpSpan(svc, { status: 200, seq: 2 })]);
  assert.deepEqual(batch.items.map((s) => s.attributes['status_code']), [404, 200]);
  const agg = new MetricAggregator();
  agg.consume(batch);
  const duration = agg.collect().find((m) => m.def.name === 'http.server.request.duration')!;
  assert.deepEqual(duration.series.map((s) => Object.fromEntries(s.names.map((n, i) => [n, s.values[i]]))), [
    { 'service.name': 'shop', 'http.route': '/users/:id', status_code: 404 },
    { 'service.name': 'shop', 'http.route': '/users/:id', status_code: 200 },
  ]);
  const size = agg.collect().find((m) => m.def.name === 'http.server.response.body.size')!;
  assert.ok(size.series[0]!.names.includes('server.port'), 'other metrics keep their defaults');
});

test('insert / update / upsert / hash / delete / rename on span attributes, copy-on-write', async () => {
  const shared = Object.freeze({ 'user.email': 'jane@example.com', tmp: 1, 'old.name': 'x' });
  const s = sampleHttpSpan(svc, { route: '' });
  s.attributes = shared;
  const batch = await run({
    actions: [
      { key: 'http.route', action: 'insert', value: '/fallback' },
      { key: 'url.scheme', action: 'insert', value: 'ftp' },
      { key: 'missing', action: 'update', value: 'y' },
      { key: 'url.scheme', action: 'update', value: 'https' },
      { key: 'env', action: 'upsert', value: 'prod' },
      { key: 'user.email', action: 'hash' },
      { key: 'tmp', action: 'delete' },
      { key: 'new.name', action: 'rename', from_attribute: 'old.name' },
    ],
  }, [s]);
  const attrs = spanAttributes(batch.items[0]!);
  assert.equal(attrs['http.route'], '/fallback');
  assert.equal(attrs['url.scheme'], 'https');
  assert.equal(attrs['missing'], undefined);
  assert.equal(attrs['env'], 'prod');
  assert.equal(attrs['user.email'], '8c87b489ce35cf2e2f39f80e282cb2e804932a56a213983eeeb428407d43b52d');
  assert.equal(attrs['tmp'], undefined);
  assert.equal(attrs['new.name'], 'x');
  assert.equal(attrs['old.name'], undefined);
  assert.deepEqual(shared, { 'user.email': 'jane@example.com', tmp: 1, 'old.name': 'x' }, 'the shared object is untouched');
});

test('resource actions derive one frozen Service per original and leave the original alone', async () => {
  const other = sampleService('billing', 8);
  const spans = [sampleHttpSpan(svc, { seq: 1 }), sampleHttpSpan(other, { seq: 2 }), sampleHttpSpan(svc, { seq: 3 })];
  const batch = await run({ actions: [
    { key: 'deployment.environment', action: 'upsert', value: 'prod', context: 'resource' },
    { key: 'service.namespace', action: 'update', value: 'store', context: 'resource' },
    { key: 'service.name', action: 'hash', context: 'resource' },
  ] }, spans);
  const [a, b, c] = batch.items.map((s) => s.service);
  assert.equal(a, c, 'same original → same derived object');
  assert.notEqual(a, b);
  assert.equal(a!.attributes['deployment.environment'], 'prod');
  assert.equal(a!.namespace, 'store');
  assert.equal(a!.name.length, 64);
  assert.ok(Object.isFrozen(a) && Object.isFrozen(a!.attributes));
  assert.equal(svc.namespace, 'shop');
  assert.deepEqual(svc.attributes, {});
  const again = await run({ actions: [{ key: 'x', action: 'upsert', value: 1, context: 'resource' }] }, [sampleHttpSpan(svc)]);
  assert.equal(again.items[0]!.service.attributes['x'], '1');
});

test('bad actions are refused with what is wrong and what is allowed', () => {
  const create = (actions: AttributesConfig['actions']) => attributesProcessorFactory.create({ select: {}, actions }, testContext('a'));
  assert.throws(() => create([{ key: 'a', action: 'insert' }]), /actions\[0\]: insert needs exactly one of "value" or "from_attribute"/);
  assert.throws(() => create([{ key: 'a', action: 'upsert', value: 1 }, { key: 'http.route', action: 'delete' }]), /actions\[1\]: "http.route" is computed .* select.<metric>.exclude/);
  assert.throws(() => create([{ key: 'b', action: 'rename', from_attribute: 'url.path' }]), /cannot be renamed away/);
  assert.throws(() => create([{ key: 'service.name', action: 'delete', context: 'resource' }]), /cannot be deleted/);
  assert.throws(() => create([{ key: 'h', action: 'hash', value: 'x' }]), /hash takes only "key"/);
  assert.equal(validate({ actions: [{ key: 'a', action: 'extract' }] }), false);
  assert.equal(validate({ select: { x: { includes: [] } } }), false);
});

test('property: upsert then delete of a custom key leaves spanAttributes as before', async () => {
  await fc.assert(fc.asyncProperty(fc.stringMatching(/^custom\.[a-z]{1,6}$/), fc.oneof(fc.string(), fc.integer(), fc.boolean()), async (key, value) => {
    const s = sampleHttpSpan(svc);
    const before = spanAttributes(s);
    const batch = await run({ actions: [{ key, action: 'upsert', value }, { key, action: 'delete' }] }, [s]);
    assert.deepEqual(spanAttributes(batch.items[0]!), before);
  }), { numRuns: 50 });
});

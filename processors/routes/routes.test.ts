import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firstValueFrom, from, toArray } from 'rxjs';
import { createAjv } from '../../src/config/ajv.js';
import { spanBatch, type Batch, type SpanBatch } from '../../src/model/batch.js';
import type { Span } from '../../src/model/span.js';
import type { Signal } from '../../src/component/index.js';
import { testContext } from '../../test/support/context.js';
import { sampleHttpSpan, sampleService } from '../../test/support/sample-spans.js';
import { routesProcessorFactory, type RoutesConfig } from './index.js';

const svc = sampleService('shop', 100);
const span = (path: string, o: Parameters<typeof sampleHttpSpan>[1] = {}) => sampleHttpSpan(svc, { path, route: '', ...o });

function config(overrides: Partial<RoutesConfig> = {}): RoutesConfig {
  const c = { ...overrides } as RoutesConfig;
  const validate = createAjv().compile(routesProcessorFactory.schema);
  assert.ok(validate(c), JSON.stringify(validate.errors));
  return c;
}

async function run(c: RoutesConfig, batches: Span[][], signal: Signal = 'traces') {
  const ctx = testContext('routes', { signal });
  const op = routesProcessorFactory.create(c, ctx);
  const out = await firstValueFrom(from(batches.map((b): Batch => spanBatch(b))).pipe(op, toArray()));
  return { out: out as SpanBatch[], ctx };
}

test('defaults: heuristic routes and "<METHOD> <route>" span names', async () => {
  const c = config();
  assert.deepEqual(c, routesProcessorFactory.defaultConfig());
  const { out } = await run(c, [[span('/users/123/orders/456'), span('/customer/lfdsjd/job/erwejre', { kind: 'client', method: 'POST' })]]);
  const [a, b] = out[0]!.items;
  assert.equal(a!.http!.route, '/users/*/orders/*');
  assert.equal(a!.name, 'GET /users/*/orders/*');
  assert.equal(b!.http!.route, '/customer/*/job/*');
  assert.equal(b!.name, 'POST /customer/*/job/*');
});

test('reference TestUnmatched*: patterns first, then unset / path / wildcard', async () => {
  const expectRoutes = async (unmatched: RoutesConfig['unmatched'], other: string) => {
    const { out } = await run(config({ unmatched, patterns: ['/user/:id'] }), [[span('/user/1234'), span('/some/path')]]);
    assert.deepEqual(out[0]!.items.map((s) => s.http!.route), ['/user/:id', other]);
    assert.deepEqual(out[0]!.items.map((s) => s.name), ['GET /user/:id', other ? `GET ${other}` : 'GET']);
  };
  await expectRoutes('unset', '');
  await expectRoutes('path', '/some/path');
  await expectRoutes('wildcard', '/**');
  await expectRoutes('heuristic', '/some/path');
});

test('a route the receiver already knew is kept unless a declared pattern matches', async () => {
  const { out } = await run(config({ patterns: ['/basic/:rnd'] }), [[span('/x/123', { route: '/x/{id}' }), span('/basic/77', { route: '/basic/{x}' })]]);
  assert.deepEqual(out[0]!.items.map((s) => s.http!.route), ['/x/{id}', '/basic/:rnd']);
});

test('ignored patterns drop spans only in the pipelines ignore_mode names, and are counted', async () => {
  const ignored = { ignored_patterns: ['/v1/metrics/*', '/health'], patterns: ['/user/:id', '/v1/metrics'] };
  const spans = () => [span('/user/1'), span('/v1/metrics'), span('/v1/metrics/a/b'), span('/health'), span('/healthz')];
  for (const [mode, signal, kept] of [
    ['all', 'traces', 2], ['all', 'metrics', 2], ['traces', 'traces', 2], ['traces', 'metrics', 5], ['metrics', 'metrics', 2], ['metrics', 'traces', 5],
  ] as const) {
    const { out, ctx } = await run(config({ ...ignored, ignore_mode: mode }), [spans()], signal);
    assert.equal(out[0]!.items.length, kept, `${mode} in ${signal}`);
    assert.equal(ctx.metrics.value('lumen_processor_dropped_spans_total', { reason: 'ignored_route' }), 5 - kept);
  }
  const { out } = await run(config(ignored), [[span('/health')]]);
  assert.equal(out.length, 0, 'an emptied batch is not passed on');
});

test('reference TestUnmatchedAutoLowCardinality: folding per service, permanent', async () => {
  const c = config({ unmatched: 'low-cardinality', max_path_segment_cardinality: 3 });
  const sequence: [string, string][] = [
    ['/v1/user/1234', '/v1/user/*'], ['/v2/user/1234', '/v2/user/*'], ['/v3/user/1234', '/v3/user/*'], ['/v4/user/1234', '/*/user/*'],
    ['/v1/user/1234', '/*/user/*'], ['/v1/user-one/1234', '/*/user-one/*'], ['/v1/user-two/1234', '/*/user-two/*'],
    ['/v1/user-three/1234', '/*/*/*'], ['/v1/user/1234', '/*/*/*'],
  ];
  const { out } = await run(c, sequence.map(([p]) => [span(p)]));
  assert.deepEqual(out.map((b) => b.items[0]!.http!.route), sequence.map(([, r]) => r));
  const other = sampleService('other', 200);
  const { out: out2 } = await run(c, [[...['/v1/a', '/v2/a', '/v3/a', '/v4/a'].map((p) => span(p)), sampleHttpSpan(other, { path: '/v9/a', route: '' })]]);
  assert.deepEqual(out2[0]!.items.map((s) => s.http!.route), ['/v1/a', '/v2/a', '/v3/a', '/*/a', '/v9/a']);
});

test('non-HTTP spans and non-span batches pass untouched', async () => {
  const sql: Span = { ...span('/x'), protocol: 'sql', http: undefined, name: 'SELECT users' };
  const ctx = testContext('routes');
  const flows: Batch = { kind: 'flows', items: [] };
  const out = await firstValueFrom(from([spanBatch([sql]), { kind: 'measurements', items: [{}] } as unknown as Batch, flows]).pipe(routesProcessorFactory.create(config(), ctx), toArray()));
  assert.equal((out[0] as SpanBatch).items[0]!.name, 'SELECT users');
  assert.equal(out.length, 2, 'empty flow batch dropped, measurement batch kept');
});

test('schema rejects unknown policies, bad wildcard chars and patterns without a leading slash', () => {
  const validate = createAjv().compile(routesProcessorFactory.schema);
  for (const bad of [{ unmatched: 'auto' }, { wildcard_char: '**' }, { wildcard_char: '/' }, { patterns: ['users/:id'] }, { ignore_mode: 'logs' }, { max_path_segment_cardinality: 0 }, { pattern: [] }]) {
    assert.equal(validate({ ...bad }), false, JSON.stringify(bad));
  }
});

test('repeated paths and names (remembered from the previous span) route as a fresh processor per span does', async () => {
  const paths = ['/small.txt', '/small.txt', '/users/1', '/users/1', '/users/2', '/small.txt', '/a/b', '/a/b', '/small.txt', '/hello', '/hello'];
  const methods = ['GET', 'GET', 'POST', 'GET', 'GET', 'HEAD', 'HEAD', 'GET', 'GET', 'GET', 'PUT'];
  const mk = () => paths.map((p, i) => span(p, { method: methods[i]! }));
  for (const c of [config(), config({ unmatched: 'low-cardinality' }), config({ patterns: ['/users/:id'] })]) {
    const { out } = await run(c, [mk().slice(0, 4), mk().slice(4)]);
    const together = out.flatMap((b) => b.items).map((s) => [s.http!.route, s.name]);
    const alone: string[][] = [];
    for (const s of mk()) {
      const { out: one } = await run(c, [[s]]);
      alone.push([one[0]!.items[0]!.http!.route, one[0]!.items[0]!.name]);
    }
    assert.deepEqual(together, alone, c.unmatched);
  }
});

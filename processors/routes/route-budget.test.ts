import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firstValueFrom, from, toArray } from 'rxjs';
import { spanBatch, type Batch, type SpanBatch } from '../../src/model/batch.js';
import { testContext } from '../../test/support/context.js';
import { sampleHttpSpan, sampleService } from '../../test/support/sample-spans.js';
import { routesProcessorFactory, type RoutesConfig } from './index.js';
import { OVERFLOW_ROUTE, ROUTE_IDLE_MS, RouteBudget } from './route-budget.js';

const WORDS = ['apple', 'river', 'garden', 'window', 'silver', 'market', 'letter', 'planet', 'orange', 'winter', 'button', 'forest', 'doctor', 'summer', 'pocket', 'candle'];

/** `/<word>/<word>/<word>`: what the heuristic keeps whole (every segment reads as a word). */
function wordPath(i: number): string {
  const w = (k: number) => WORDS[Math.floor(i / WORDS.length ** k) % WORDS.length]!;
  return `/${w(0)}/${w(1)}/${w(2)}`;
}

test('the default routes processor bounds word-like random paths per service, counts the overflow and warns once per service', async () => {
  const a = sampleService('a', 1);
  const b = sampleService('b', 2);
  const ctx = testContext('routes', { signal: 'metrics' });
  const config = routesProcessorFactory.defaultConfig();
  const batches: Batch[] = [];
  for (let n = 0; n < 40; n++) {
    batches.push(spanBatch(Array.from({ length: 100 }, (_, i) => sampleHttpSpan(n % 2 ? a : b, { path: wordPath(n * 100 + i), route: '' }))));
  }
  batches.push(spanBatch([sampleHttpSpan(b, { path: wordPath(0), route: '' })])); // b's first route
  const out = (await firstValueFrom<Batch[]>(from<Batch[]>(batches).pipe(routesProcessorFactory.create(config, ctx), toArray()))) as SpanBatch[];
  const spans = out.flatMap((x) => x.items);
  assert.equal(spans.length, 4001, 'nothing dropped: overflowing spans keep their data under the overflow route');
  for (const svc of [a, b]) {
    const routes = new Set(spans.filter((s) => s.service === svc).map((s) => s.http!.route));
    assert.equal(routes.size, config.max_routes_per_service + 1, `${svc.name}: ${config.max_routes_per_service} routes + the overflow route`);
    assert.ok(routes.has(OVERFLOW_ROUTE));
  }
  assert.equal(spans.at(-1)!.http!.route, wordPath(0), 'a route known before the budget filled keeps its name');
  assert.equal(spans.at(-1)!.name, `GET ${wordPath(0)}`);
  assert.equal(ctx.metrics.value('lumen_routes_overflow_total'), 4000 - 2 * config.max_routes_per_service);
  const warnings = ctx.logs.filter((e) => e.level === 'warn');
  assert.deepEqual(warnings.map((w) => w.fields?.service).sort(), ['a', 'b']);
  assert.match(warnings[0]!.msg, /reached processors\.routes\.max_routes_per_service \(500 routes\): its new routes read as \/\*\*/);
});

test('routes idle for ROUTE_IDLE_MS are forgotten when a full service meets a new route; busy ones stay', () => {
  const svc = sampleService('s', 3);
  let overflowed = 0;
  const budget = new RouteBudget(2, () => overflowed++);
  let now = 10_000;
  assert.equal(budget.admit(svc, '/a', now), '/a');
  assert.equal(budget.admit(svc, '/b', now), '/b');
  assert.equal(budget.admit(svc, '/c', now), OVERFLOW_ROUTE);
  now += ROUTE_IDLE_MS / 2;
  assert.equal(budget.admit(svc, '/a', now), '/a');
  now += ROUTE_IDLE_MS / 2 + 1;
  assert.equal(budget.admit(svc, '/c', now), '/c', '/b fell idle and made room');
  assert.equal(budget.admit(svc, '/d', now), OVERFLOW_ROUTE, '/a is still in use');
  assert.equal(budget.size(svc), 2);
  assert.equal(overflowed, 2);
  assert.equal(budget.admit(sampleService('other', 4), '/d', now), '/d', 'the budget is per service');
});

test('constant routes (unset, wildcard) and declared patterns are outside the budget', async () => {
  const svc = sampleService('s', 5);
  const spans = () => Array.from({ length: 50 }, (_, i) => sampleHttpSpan(svc, { path: wordPath(i), route: '' }));
  const cases: [Partial<RoutesConfig>, string][] = [[{ unmatched: 'wildcard' }, '/**'], [{ unmatched: 'unset' }, ''], [{ patterns: ['/:x/:y/:z'] }, '/:x/:y/:z']];
  for (const [extra, want] of cases) {
    const ctx = testContext('routes', { signal: 'metrics' });
    const config: RoutesConfig = { ...routesProcessorFactory.defaultConfig(), ...extra, max_routes_per_service: 1 };
    const out = (await firstValueFrom<Batch[]>(from<Batch[]>([spanBatch(spans())]).pipe(routesProcessorFactory.create(config, ctx), toArray()))) as SpanBatch[];
    assert.deepEqual([...new Set(out[0]!.items.map((s) => s.http!.route))], [want]);
    assert.equal(ctx.metrics.value('lumen_routes_overflow_total'), 0);
  }
});

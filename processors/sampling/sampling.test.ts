import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { firstValueFrom, from, toArray } from 'rxjs';
import { createAjv } from '../../src/config/ajv.js';
import { spanBatch, type Batch, type SpanBatch } from '../../src/model/batch.js';
import type { Span } from '../../src/model/span.js';
import type { Signal } from '../../src/component/index.js';
import { testContext } from '../../test/support/context.js';
import { sampleHttpSpan, sampleService } from '../../test/support/sample-spans.js';
import { resolveSampling } from './config.js';
import { createSampler, samplingProcessorFactory, traceIdPosition, type SamplingConfig } from './index.js';

const svc = sampleService('shop', 1);
function span(traceId: string, parentSpanId = '', flags = 0): Span {
  const s = sampleHttpSpan(svc);
  s.trace = { traceId, spanId: '00f067aa0ba902b7', parentSpanId, flags };
  return s;
}
const randomTrace = () => randomBytes(16).toString('hex');

async function run(config: SamplingConfig, spans: Span[], signal: Signal = 'traces') {
  const ctx = testContext('sampling', { signal });
  const out = (await firstValueFrom(from([spanBatch(spans) as Batch]).pipe(samplingProcessorFactory.create(config, ctx), toArray()))) as Batch[] as SpanBatch[];
  return { kept: out.flatMap((b) => b.items), ctx };
}

test('trace id position uses the last 8 bytes, like the OpenTelemetry SDKs', () => {
  assert.equal(traceIdPosition('ffffffffffffffff0000000000000000'), 0);
  assert.equal(traceIdPosition('00000000000000008000000000000000'), 0.5);
  assert.ok(traceIdPosition('0000000000000000ffffffffffffffff') < 1);
  assert.equal(traceIdPosition('bad'), 0);
});

test('always_on / always_off / traceidratio on root spans; kept spans get the sampled flag', async () => {
  const spans = () => [span('00000000000000000000000000000001'), span('0000000000000000f000000000000000')];
  assert.equal((await run({ sampler: 'always_on' }, spans())).kept.length, 2);
  const off = await run({ sampler: 'always_off' }, spans());
  assert.equal(off.kept.length, 0);
  assert.equal(off.ctx.metrics.value('lumen_processor_dropped_spans_total', { reason: 'sampled_out' }), 2);
  const ratio = await run({ sampler: 'traceidratio', ratio: 0.5 }, spans());
  assert.deepEqual(ratio.kept.map((s) => [s.trace.traceId.slice(-1), s.trace.flags]), [['1', 1]]);
});

test('parentbased_* honour the sampled flag of an incoming traceparent, roots use the root sampler', async () => {
  const spans = () => [span(randomTrace(), 'b7ad6b7169203331', 1), span(randomTrace(), 'b7ad6b7169203331', 0), span(randomTrace())];
  assert.deepEqual((await run({ sampler: 'parentbased_always_off' }, spans())).kept.map((s) => s.trace.parentSpanId), ['b7ad6b7169203331']);
  assert.equal((await run({ sampler: 'parentbased_always_on' }, spans())).kept.length, 2);
  const ratioZero = await run({ sampler: 'parentbased_traceidratio', ratio: 0 }, spans());
  assert.equal(ratioZero.kept.length, 1);
  assert.equal((await run({ sampler: 'always_on' }, spans())).kept.length, 3, 'non-parent-based samplers ignore the parent');
});

test('metrics pipelines keep every span whatever the sampler', async () => {
  const { kept } = await run({ sampler: 'always_off' }, [span(randomTrace()), span(randomTrace(), 'aa', 0)], 'metrics');
  assert.equal(kept.length, 2);
});

test('OTEL_TRACES_SAMPLER / _ARG apply when the YAML says nothing; YAML wins; bad values warn', () => {
  const env = { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' };
  assert.deepEqual(resolveSampling({}, env), { sampler: 'parentbased_traceidratio', ratio: 0.25, warnings: [] });
  assert.deepEqual(resolveSampling({ sampler: 'always_on', ratio: 1 }, env), { sampler: 'always_on', ratio: 1, warnings: [] });
  const bad = resolveSampling({}, { OTEL_TRACES_SAMPLER: 'jaeger_remote', OTEL_TRACES_SAMPLER_ARG: 'half' });
  assert.equal(bad.sampler, 'parentbased_always_on');
  assert.equal(bad.ratio, 1);
  assert.equal(bad.warnings.length, 2);
  assert.match(bad.warnings[0]!, /jaeger_remote.*always_on, always_off, traceidratio/);
  const validate = createAjv().compile(samplingProcessorFactory.schema);
  assert.equal(validate({ sampler: 'probabilistic' }), false);
  assert.equal(validate({ ratio: 1.5 }), false);
});

test('property: traceidratio keeps about ratio of random traces, and is consistent per trace', () => {
  fc.assert(fc.property(fc.double({ min: 0.05, max: 0.95, noNaN: true }), (ratio) => {
    const sample = createSampler('traceidratio', ratio);
    let kept = 0;
    const n = 4000;
    for (let i = 0; i < n; i++) {
      const s = span(randomTrace());
      const d = sample(s);
      assert.equal(sample(s), d);
      if (d) kept++;
    }
    assert.ok(Math.abs(kept / n - ratio) < 0.05, `kept ${kept / n} for ${ratio}`);
  }), { numRuns: 20 });
});

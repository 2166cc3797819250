import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { loadConfig } from '../../src/config/load.js';
import { consumersOf } from '../../src/engine/consumers.js';
import { builtinRegistry } from '../../distribution/default-registry.js';
import { traceIdPosition } from '../../processors/sampling/index.js';
import { ratioBound } from './sampling.js';
import { planKernelWork } from './kernel-plan.js';

test('property: the kernel comparison (last 8 bytes >> 11 < ratioBound) = the processor\'s traceIdPosition < ratio', () => {
  fc.assert(fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.double({ min: 0, max: 1, noNaN: true }), (v, ratio) => {
    const id = '0123456789abcdef' + v.toString(16).padStart(16, '0');
    assert.equal(Number(v >> 11n) < ratioBound(ratio), traceIdPosition(id) < ratio, `${id} at ${ratio}`);
  }), { numRuns: 20_000 });
  // On the boundary: a position exactly equal to the ratio is dropped by both.
  const at = (k: bigint) => '0'.repeat(16) + (k << 11n).toString(16).padStart(16, '0');
  const r = 0.25;
  const k = BigInt(r * 2 ** 53);
  assert.equal(traceIdPosition(at(k)) < r, false);
  assert.equal(Number(k) < ratioBound(r), false);
  assert.equal(Number(k - 1n) < ratioBound(r), traceIdPosition(at(k - 1n)) < r);
  assert.equal(ratioBound(0), 0);
  assert.equal(ratioBound(1), 2 ** 53);
});

function decide(yaml: string, enabled = true) {
  const registry = builtinRegistry();
  const { config } = loadConfig({ yaml, file: 'pipelines.yaml' }, registry);
  return planKernelWork({ kernel_sampling: enabled, kernel_aggregation: 'auto' }, consumersOf('kernel_socket', config, registry)).sampling;
}

const base = (pipelines: string, sampler = 'traceidratio') => `
receivers: { kernel_socket: {} }
processors: { routes: {}, sampling: { sampler: ${sampler}, ratio: 0.1 }, sampling/other: { ratio: 0.5 }, attributes: { actions: [{ key: a, value: b, action: insert }] } }
exporters: { print_traces: {}, prometheus: {} }
service:
  pipelines:
${pipelines}
`;

test('in the kernel only when every consumer is a traces pipeline sampling the same reproducible way first', () => {
  const on = decide(base('    traces: { receivers: [kernel_socket], processors: [routes, sampling], exporters: [print_traces] }'));
  assert.deepEqual(on.rodata, { ks_sample: 1, ks_sample_below: Math.ceil(0.1 * 2 ** 53) });
  const parent = decide(base('    traces: { receivers: [kernel_socket], processors: [sampling], exporters: [print_traces] }', 'parentbased_always_on'));
  assert.deepEqual(parent.rodata, { ks_sample: 2, ks_sample_below: 2 ** 53 });
  const cases: Array<[string, RegExp]> = [
    ['    traces: { receivers: [kernel_socket], processors: [sampling], exporters: [print_traces] }\n    metrics: { receivers: [kernel_socket], exporters: [prometheus] }', /metrics need every request \(kernel aggregation off: /],
    ['    traces: { receivers: [kernel_socket], processors: [routes], exporters: [print_traces] }', /no pipeline samples/],
    ['    traces: { receivers: [kernel_socket], processors: [sampling], exporters: [print_traces] }\n    traces/b: { receivers: [kernel_socket], exporters: [print_traces] }', /traces\/b has no sampling step/],
    ['    traces: { receivers: [kernel_socket], processors: [attributes, sampling], exporters: [print_traces] }', /not first after routes-like/],
    ['    traces: { receivers: [kernel_socket], processors: [sampling], exporters: [print_traces] }\n    traces/b: { receivers: [kernel_socket], processors: [sampling/other], exporters: [print_traces] }', /sample differently/],
  ];
  for (const [pipelines, why] of cases) {
    const d = decide(base(pipelines));
    assert.equal(d.rodata.ks_sample, 0, pipelines);
    assert.match(d.why, why);
  }
  assert.match(decide(base('    traces: { receivers: [kernel_socket], processors: [sampling], exporters: [print_traces] }'), false).why, /kernel_sampling: false/);
  assert.equal(decide(base('    traces: { receivers: [kernel_socket], processors: [sampling], exporters: [print_traces] }', 'always_on')).rodata.ks_sample, 0);
});

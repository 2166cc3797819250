import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flowBatch, measurementBatch } from '../../src/model/batch.js';
import type { Flow } from '../../src/model/flow.js';
import { testContext } from '../../test/support/context.js';
import { createPrintFlows, printFlowsExporterFactory } from './index.js';

const flow = (over: Partial<Flow> = {}): Flow => ({
  srcAddress: '10.201.1.1', dstAddress: '10.201.1.2', srcPort: 40000, dstPort: 80, transport: 'tcp', direction: 'egress',
  interface: 'eth0', bytes: 1234, packets: 5, startUnixNano: 1_795_000_000_000_000_000n, endUnixNano: 1_795_000_001_500_000_000n,
  attributes: { 'src.process.executable.name': 'curl', 'dst.name': 'web server', 'src.cidr': '10.0.0.0/8' }, ...over,
});

function capture(format: 'text' | 'json', open = true) {
  const lines: string[] = [];
  const ctx = testContext('print_flows');
  const exp = createPrintFlows({ format }, ctx, (text) => {
    if (open) lines.push(...text.trimEnd().split('\n'));
    return open;
  });
  return { lines, ctx, exp };
}

test('text: one line per flow with window, endpoints, counts and sorted decorations', () => {
  const { lines, exp } = capture('text');
  exp.consume(flowBatch([flow(), flow({ srcAddress: 'fd00::1', dstAddress: 'fd00::2', transport: 'udp', direction: 'ingress', attributes: {} })]), 'flows');
  assert.deepEqual(lines, [
    '2026-11-18T11:06:40.000Z 1.500s eth0 egress tcp 10.201.1.1:40000 -> 10.201.1.2:80 bytes=1234 packets=5 dst.name="web server" src.cidr=10.0.0.0/8 src.process.executable.name=curl',
    '2026-11-18T11:06:40.000Z 1.500s eth0 ingress udp [fd00::1]:40000 -> [fd00::2]:80 bytes=1234 packets=5',
  ]);
});

test('json: the shared FlowJson form, one object per line; other batch kinds are ignored', () => {
  const { lines, exp } = capture('json');
  exp.consume(measurementBatch([{ metric: 'lumen.tcp.rtt', value: 1, attributes: {}, timeUnixNano: 0n }]), 'flows');
  exp.consume(flowBatch([flow()]), 'flows');
  assert.equal(lines.length, 1);
  const o = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.equal(o['srcAddress'], '10.201.1.1');
  assert.equal(o['bytes'], 1234);
  assert.equal(o['startUnixNano'], '1795000000000000000');
});

test('a closed output drops and counts instead of throwing; the factory declares flows only', async () => {
  const { exp, ctx } = capture('text', false);
  exp.consume(flowBatch([flow(), flow()]), 'flows');
  await exp.shutdown();
  exp.consume(flowBatch([flow()]), 'flows');
  assert.equal(ctx.metrics.value('lumen_print_flows_dropped_items_total'), 3);
  assert.deepEqual(printFlowsExporterFactory.signals, ['flows']);
});

/**
 * Runs one network_flow receiver in the current network namespace and prints what it emits as JSON Lines
 * on stdout, for the tests that run it inside namespaces they create (`ip netns exec nf_x node --import tsx
 * harness.ts '<config json>'`):
 *   {"ready":true,"interfaces":[...]}      once attached
 *   {"flow":{...}}                           one per reported flow (the print_flows json form)
 *   {"measurement":{...}}                    one per TCP health measurement
 *   {"telemetry":{"name{labels}":value}}     at the end
 * It stops (flushing every flow) on SIGTERM, SIGINT or when stdin closes, so it never outlives its test.
 */
import { measurementBatch } from '../../../src/model/batch.js';
import { testContext } from '../../../test/support/context.js';
import { flowToJson } from '../../../src/model/flow-json.js';
import { configFromYaml } from '../../../src/config/component-config.js';
import type { NetworkFlowConfig } from '../config.js';
import { networkFlowReceiverFactory } from '../index.js';
import type { NetworkFlowReceiver } from '../receiver.js';

const overrides = JSON.parse(process.argv[2] ?? '{}') as Record<string, unknown>;
// The overrides are YAML-shaped ("1s", "19700-19710"): decoded the way validation decodes a pipelines.yaml.
const config = configFromYaml<NetworkFlowConfig>(networkFlowReceiverFactory, overrides);
const ctx = testContext('network_flow');
const receiver = networkFlowReceiverFactory.create(config, ctx) as NetworkFlowReceiver;
const out = (o: unknown) => process.stdout.write(`${JSON.stringify(o, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}\n`);

receiver.output.subscribe((b) => {
  if (b.kind === 'flows') for (const f of b.items) process.stdout.write(`{"flow":${JSON.stringify(flowToJson(f))}}\n`);
  else if (b.kind === 'measurements') for (const m of measurementBatch(b.items).items) out({ measurement: { ...m, service: m.service?.name } });
});

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await receiver.shutdown();
  const telemetry: Record<string, number> = {};
  for (const p of ctx.metrics.collect()) {
    const labels = Object.entries(p.labels).filter(([k]) => k !== 'component').map(([k, v]) => `${k}=${v}`).join(',');
    telemetry[labels ? `${p.name}{${labels}}` : p.name] = p.value;
  }
  out({ telemetry });
  for (const l of ctx.logs) if (l.level !== 'debug') process.stderr.write(`${l.level}: ${l.msg} ${JSON.stringify(l.fields)}\n`);
  process.stdout.write('', () => process.exit(0));
}

process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
process.stdin.on('end', () => void stop());
process.stdin.resume();

await receiver.start();
out({ ready: true, interfaces: (receiver as unknown as { flowsC?: { ifname(i: number): string } }).flowsC ? listWatched() : [] });

function listWatched(): string[] {
  const r = receiver as unknown as { flowsC: { attachments?: { watched(): string[] } } };
  return r.flowsC.attachments?.watched() ?? [];
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openObject } from '../../../src/bpf/index.js';
import type { Batch } from '../../../src/model/batch.js';
import { testContext } from '../../../test/support/context.js';
import { networkFlowReceiverFactory } from '../index.js';
import { NetworkFlowReceiver } from '../receiver.js';

const root = process.getuid?.() === 0;

test('shutdown is safe twice and without start, and completes the output', async () => {
  const r = networkFlowReceiverFactory.create(networkFlowReceiverFactory.defaultConfig(), testContext('network_flow'));
  let completed = false;
  r.output.subscribe({ complete: () => (completed = true) });
  await r.shutdown();
  await r.shutdown();
  assert.ok(completed);
});

test('TCP health that cannot attach degrades to flows only, with a warning that says why', { skip: !root && 'needs root' }, async () => {
  const ctx = testContext('network_flow');
  const config = { ...networkFlowReceiverFactory.defaultConfig(), interfaces: ['lo'] };
  const r = new NetworkFlowReceiver(config, ctx, {
    open: (path, options) => {
      if (path.endsWith('tcp_health.bpf.o')) throw new Error('tp_btf is not available on this kernel (simulated)');
      return openObject(path, options);
    },
  });
  const batches: Batch[] = [];
  r.output.subscribe((b) => batches.push(b));
  await r.start();
  try {
    const warning = ctx.logs.find((l) => l.level === 'warn');
    assert.match(warning?.msg ?? '', /TCP health disabled/);
    assert.match(String(warning?.fields['error']), /simulated/);
    assert.equal(ctx.metrics.value('lumen_network_flow_interfaces'), 1, 'the flow programs are attached to lo');
  } finally {
    await r.shutdown();
  }
  assert.equal(ctx.metrics.value('lumen_network_flow_interfaces'), 0);
});

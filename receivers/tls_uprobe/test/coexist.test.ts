import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Span } from '../../../src/model/span.js';
import { testContext } from '../../../test/support/context.js';
import { builtinRegistry } from '../../../distribution/default-registry.js';
import { cleanupAll, curlClient, curlConfig, go, makeCerts, nodeClient, sleep, startNginxTls, startNodeHttps } from './servers.js';
import { startHarness } from './harness.js';
import { cleanUp } from '../../../test/support/cleanup.js';

test('kernel_socket next to tls_uprobe: the ciphertext gives no kernel_socket span, only its non-HTTP discard counters move', { timeout: 120_000 }, async (t) => {
  const h = await startHarness();
  const ksCtx = testContext('kernel_socket', { discovery: h.discovery, metrics: h.ctx.metrics });
  // the other receiver comes from the distribution (a component folder never imports another)
  const kernelSocketReceiverFactory = builtinRegistry().get('receiver', 'kernel_socket')!;
  const ks = kernelSocketReceiverFactory.create(kernelSocketReceiverFactory.defaultConfig(), ksCtx);
  const ksSpans: Span[] = [];
  const sub = ks.output.subscribe((b) => { if (b.kind === 'spans') ksSpans.push(...b.items); });
  await ks.start();
  t.after(() => cleanUp(() => ks.shutdown(), () => sub.unsubscribe(), () => h.stop(), cleanupAll));
  const discarded = () => h.ctx.metrics.value('lumen_kernel_socket_discarded_total', { component: 'kernel_socket', reason: 'non_http' })
    + h.ctx.metrics.value('lumen_kernel_socket_discarded_total', { component: 'kernel_socket', reason: 'non_http_connection' });
  const before = discarded();

  const certs = makeCerts();
  const nginx = await startNginxTls(19860, certs, 1);
  for (const pid of nginx.pids()) await h.probed(pid);
  const node = await startNodeHttps(19861, certs);
  await h.probed(node.proc.pid);
  const curl = curlClient(h.marker);
  await h.probed(curl.pid);
  go(curl, curlConfig(19860, ['/index.html', '/index.html', '/nope']));
  const nc = nodeClient(19861, ['/n1', '/n2'], h.marker);
  await h.probed(nc.pid);
  go(nc);
  assert.equal(await curl.exited, 0, curl.output());
  assert.equal(await nc.exited, 0, nc.output());
  const tls = await h.waitSpans((s) => s.http?.scheme === 'https', 10, 15_000);
  await sleep(1500); // kernel_socket's consumer and counters catch up
  assert.equal(tls.length, 10, 'tls_uprobe: 5 requests, server and client side');
  assert.deepEqual(ksSpans.map((s) => `${s.kind} ${s.http?.path}`), [], 'kernel_socket made no span of encrypted bytes');
  assert.ok(discarded() > before, 'kernel_socket counted the TLS connections as non-HTTP');
});

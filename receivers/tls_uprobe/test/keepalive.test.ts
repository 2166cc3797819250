import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupAll, curlClient, curlConfig, go, makeCerts, startNginxTls } from './servers.js';
import { startHarness } from './harness.js';
import { cleanUp } from '../../../test/support/cleanup.js';

test('5,000 keep-alive HTTPS requests (curl → nginx) give 5,000 server and 5,000 client spans, no drops', { timeout: 120_000 }, async (t) => {
  const h = await startHarness();
  t.after(() => cleanUp(() => h.stop(), cleanupAll));
  const certs = makeCerts();
  const srv = await startNginxTls(19840, certs, 1);
  for (const pid of srv.pids()) await h.probed(pid);
  const n = 5000;
  const cli = curlClient(h.marker);
  await h.probed(cli.pid);
  go(cli, curlConfig(19840, Array.from({ length: n }, (_, i) => `/index.html?i=${i}`)));
  assert.equal(await cli.exited, 0, cli.output());
  const workers = new Set(srv.pids());
  const server = await h.waitSpans((s) => s.kind === 'server' && workers.has(s.service.process.pid), n, 30_000);
  const client = await h.waitSpans((s) => s.kind === 'client' && s.service.process.pid === cli.pid, n, 30_000);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(server.length, n);
  assert.equal(client.length, n);
  assert.equal(h.spans.length, 2 * n);
  assert.ok(server.every((s, i) => s.http?.status === 200 && s.http.query === `i=${i}` && s.http.scheme === 'https'));
  assert.equal(new Set(client.map((s) => s.connection.hostPort)).size, 1, 'one connection');
  assert.equal(h.counter('lumen_tls_ringbuf_drops_total'), 0);
});

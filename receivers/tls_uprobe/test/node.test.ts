import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupAll, go, makeCerts, nodeClient, startNodeHttps } from './servers.js';
import { startHarness } from './harness.js';

test('node https server and node https client: one span per request each, url.scheme=https, tuples agree', async (t) => {
  const h = await startHarness();
  t.after(async () => { await h.stop(); await cleanupAll(); });
  const certs = makeCerts();
  const srv = await startNodeHttps(19810, certs);
  await h.probed(srv.proc.pid);
  const paths = ['/a', '/b?x=1', '/status/404', '/status/503', '/slow'];
  const cli = nodeClient(19810, paths, h.marker);
  await h.probed(cli.pid);
  go(cli);
  assert.equal(await cli.exited, 0, cli.output());
  const server = await h.waitSpans((s) => s.kind === 'server' && s.service.process.pid === srv.proc.pid, paths.length);
  const client = await h.waitSpans((s) => s.kind === 'client' && s.service.process.pid === cli.pid, paths.length);
  const show = (l: typeof server) => l.map((s) => `${s.kind} ${s.http?.method} ${s.http?.path} ${s.http?.status}`).join(', ');
  assert.equal(server.length, paths.length, show(h.spans));
  assert.equal(client.length, paths.length, show(client) + ' ' + JSON.stringify(h.ctx.metrics.collect().filter((m) => m.name.startsWith('lumen_tls')).map((m) => [m.name, m.value])));
  for (const [i, p] of paths.entries()) {
    const [path, query = ''] = p.split('?');
    for (const s of [server[i]!, client[i]!]) {
      assert.equal(s.http?.scheme, 'https');
      assert.equal(s.http?.method, 'GET');
      assert.equal(s.http?.path, path);
      assert.equal(s.http?.query, query);
      assert.equal(s.http?.status, p.startsWith('/status/') ? Number(p.slice(8)) : 200);
    }
  }
  const sc = server[0]!.connection, cc = client[0]!.connection;
  assert.deepEqual([sc.hostAddress, sc.hostPort, sc.peerAddress, sc.peerPort], [cc.peerAddress, cc.peerPort, cc.hostAddress, cc.hostPort]);
  assert.equal(sc.hostPort, 19810);
  const slow = server[4]!;
  const ms = Number(slow.endUnixNano - slow.startUnixNano) / 1e6;
  assert.ok(ms >= 295 && ms < 400, `slow server span lasted ${ms} ms`);
});

/**
 * HTTP/2 over TLS (ALPN h2): nginx serving h2 to curl --http2, both linked to libssl. The decrypted bytes go
 * through the same connection machine and HTTP/2 parser as cleartext (docs/http2.md): every request is one
 * server span (nginx worker) and one client span (curl), with method, path, status and sizes.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Span } from '../../../src/model/span.js';
import { startHarness, type Harness } from './harness.js';
import { cleanupAll, curlClient, curlConfig, go, makeCerts, startNginxTls } from './servers.js';
import { cleanUp } from '../../../test/support/cleanup.js';

const PORT = 20850;
let h: Harness | undefined;
after(() => cleanUp(() => h?.stop(), cleanupAll));

test('nginx HTTP/2 over TLS to curl --http2: one server and one client span per request', async () => {
  h = await startHarness({}, String(PORT));
  const certs = makeCerts();
  const nginx = await startNginxTls(PORT, certs, 1, 'hello over h2\n', true);
  for (const pid of nginx.pids().slice(1)) await h.probed(pid);
  const curl = curlClient(h.marker, ['--http2']);
  await h.probed(curl.pid);
  const paths = ['/index.html', '/status/missing', '/index.html?i=2'];
  go(curl, curlConfig(PORT, paths));
  assert.equal(await curl.exited, 0, curl.output());
  const workers = new Set(nginx.pids().slice(1));
  const mine = (s: Span) => s.connection.hostPort === PORT || s.connection.peerPort === PORT;
  const spans = await h.waitSpans(mine, 6, 15_000);
  await new Promise((r) => setTimeout(r, 1000));
  const all = h.spans.filter(mine);
  const show = (s: Span) => `${s.kind} ${s.service.process.pid} ${JSON.stringify(s.http)} ${JSON.stringify(s.attributes)}`;
  assert.equal(all.length, 6, `${spans.length}: ${all.map(show).join('\n')}\ncounters: http2=${h.counter('lumen_tls_http2_connections_total')}`);
  for (const [kind, pidOk] of [['server', (p: number) => workers.has(p)], ['client', (p: number) => p === curl.pid]] as const) {
    const side = all.filter((s) => s.kind === kind).sort((a, b) => (a.startUnixNano < b.startUnixNano ? -1 : 1));
    assert.equal(side.length, 3, all.map(show).join('\n'));
    for (const [i, s] of side.entries()) {
      assert.ok(pidOk(s.service.process.pid), show(s));
      assert.equal(s.protocol, 'http');
      assert.equal(s.http?.protocolVersion, '2', show(s));
      assert.equal(s.http?.method, 'GET');
      assert.equal(s.http?.scheme, 'https');
      assert.equal(s.http?.path, paths[i]!.split('?')[0]);
      assert.equal(s.http?.status, i === 1 ? 404 : 200, show(s));
      if (i !== 1) assert.equal(s.http?.responseBodySize, 'hello over h2\n'.length, show(s));
      assert.ok(s.endUnixNano > s.startUnixNano);
    }
    assert.equal(side[2]!.http?.query, 'i=2');
  }
  assert.ok(h.counter('lumen_tls_http2_connections_total') >= 2, 'both ends recognised as HTTP/2');
});

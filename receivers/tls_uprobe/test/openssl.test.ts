import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Span } from '../../../src/model/span.js';
import { cleanupAll, curlClient, curlConfig, go, makeCerts, startNginxTls, startOpensslServer } from './servers.js';
import { assertHttpsGets, startHarness } from './harness.js';
import { cleanUp } from '../../../test/support/cleanup.js';

const show = (l: Span[]) => l.map((s) => `${s.kind}:${s.service.process.pid} ${s.http?.method} ${s.http?.path} ${s.http?.status}`).join(', ');

test('nginx (libssl.so.3) and curl (libssl.so.3): one server and one client span per request, keep-alive', async (t) => {
  const h = await startHarness();
  t.after(() => cleanUp(() => h.stop(), cleanupAll));
  const certs = makeCerts();
  const srv = await startNginxTls(19820, certs, 2);
  for (const pid of srv.pids()) await h.probed(pid);
  const paths = ['/index.html', '/index.html?q=1', '/missing', '/status/x'];
  const cli = curlClient(h.marker);
  await h.probed(cli.pid);
  go(cli, curlConfig(19820, paths));
  assert.equal(await cli.exited, 0, cli.output());
  const workers = new Set(srv.pids());
  const server = await h.waitSpans((s) => s.kind === 'server' && workers.has(s.service.process.pid), paths.length);
  const client = await h.waitSpans((s) => s.kind === 'client' && s.service.process.pid === cli.pid, paths.length);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(server.length, paths.length, show(h.spans));
  assert.equal(client.length, paths.length, show(h.spans));
  assertHttpsGets(server, client, paths, [200, 200, 404, 404]);
  assert.equal(server[0]!.http?.responseBodySize, 'hello over tls\n'.length);
  assert.equal(server[0]!.connection.hostPort, 19820);
  assert.equal(client[0]!.connection.peerPort, 19820);
  // keep-alive: curl reused one connection for all four
  assert.equal(new Set(client.map((s) => s.connection.hostPort)).size, 1);
});

test('openssl s_server -www (BIO_f_ssl): spans through OpenSSL\'s internal read/write, one per request', async (t) => {
  const h = await startHarness();
  t.after(() => cleanUp(() => h.stop(), cleanupAll));
  const certs = makeCerts();
  const srv = await startOpensslServer(19821, certs);
  await h.probed(srv.proc.pid);
  assert.ok(h.ctx.logs.some((l) => l.msg.includes(`pid ${srv.proc.pid} (`) && l.msg.includes('ssl_read_internal')), 'internal read probed');
  const cli = curlClient(h.marker);
  await h.probed(cli.pid);
  go(cli, curlConfig(19821, ['/one', '/two']));
  assert.equal(await cli.exited, 0, cli.output());
  const server = await h.waitSpans((s) => s.kind === 'server' && s.service.process.pid === srv.proc.pid, 2);
  const client = await h.waitSpans((s) => s.kind === 'client' && s.service.process.pid === cli.pid, 2);
  assert.deepEqual(server.map((s) => [s.http?.path, s.http?.status, s.http?.scheme]), [['/one', 200, 'https'], ['/two', 200, 'https']], show(h.spans));
  assert.deepEqual(client.map((s) => [s.http?.path, s.http?.status, s.http?.scheme]), [['/one', 200, 'https'], ['/two', 200, 'https']], show(h.spans));
  // s_server -www answers HTTP/1.0 and closes: two connections
  assert.notEqual(server[0]!.connection.peerPort, server[1]!.connection.peerPort);
});

test('with openssl_internals off, s_server is not seen (BIO_f_ssl bypasses SSL_read) but curl is', async (t) => {
  const h = await startHarness({ openssl_internals: false });
  t.after(() => cleanUp(() => h.stop(), cleanupAll));
  const certs = makeCerts();
  const srv = await startOpensslServer(19822, certs);
  await h.probed(srv.proc.pid);
  const cli = curlClient(h.marker);
  await h.probed(cli.pid);
  go(cli, curlConfig(19822, ['/one']));
  assert.equal(await cli.exited, 0, cli.output());
  const client = await h.waitSpans((s) => s.kind === 'client' && s.service.process.pid === cli.pid, 1);
  assert.equal(client.length, 1);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(h.spans.filter((s) => s.service.process.pid === srv.proc.pid).length, 0);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupAll, curlPost, go, makeCerts, pythonClient, startPythonHttps } from './servers.js';
import { assertHttpsGets, startHarness } from './harness.js';
import { cleanUp } from '../../../test/support/cleanup.js';

test('python http.server wrapped with ssl and python urllib: exactly one span per request on each side', async (t) => {
  const h = await startHarness();
  t.after(() => cleanUp(() => h.stop(), cleanupAll));
  const certs = makeCerts();
  const srv = await startPythonHttps(19830, certs);
  await h.probed(srv.proc.pid);
  const paths = ['/x', '/y?token=secret&a=b', '/status/500', '/status/201'];
  const cli = pythonClient(19830, paths, h.marker);
  await h.probed(cli.pid); // libssl is mapped once the client has imported ssl
  go(cli);
  assert.equal(await cli.exited, 0, cli.output());
  const server = await h.waitSpans((s) => s.kind === 'server' && s.service.process.pid === srv.proc.pid, paths.length);
  const client = await h.waitSpans((s) => s.kind === 'client' && s.service.process.pid === cli.pid, paths.length);
  await new Promise((r) => setTimeout(r, 300));
  const all = h.spans.filter((s) => s.service.process.pid === srv.proc.pid || s.service.process.pid === cli.pid);
  assert.equal(all.length, 2 * paths.length, all.map((s) => `${s.kind} ${s.http?.path}`).join(', '));
  assertHttpsGets(server, client, paths, [200, 200, 500, 201], (s, i) => assert.equal(s.http?.responseBodySize, `python ${paths[i]}`.length));
  assert.match(server[1]!.http!.query, /^token=[^s&]*&a=b$/, 'secret query values redacted');
  assert.equal(server[0]!.connection.hostPort, 19830);
  assert.equal(server[0]!.connection.peerPort, client[0]!.connection.hostPort);
});

test('POST with a body and a traceparent (curl → python https): sizes and the continued trace on the server span', async (t) => {
  const h = await startHarness();
  t.after(() => cleanUp(() => h.stop(), cleanupAll));
  const certs = makeCerts();
  const srv = await startPythonHttps(19831, certs);
  await h.probed(srv.proc.pid);
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736', parent = '00f067aa0ba902b7';
  const body = 'x'.repeat(3000);
  const cli = curlPost(h.marker, 'https://127.0.0.1:19831/upload', ['-H', `traceparent: 00-${traceId}-${parent}-01`]);
  await h.probed(cli.pid);
  go(cli, body);
  assert.equal(await cli.exited, 0, cli.output());
  const [server] = await h.waitSpans((s) => s.kind === 'server' && s.service.process.pid === srv.proc.pid, 1);
  assert.ok(server);
  assert.equal(server.http?.method, 'POST');
  assert.equal(server.http?.status, 201);
  assert.equal(server.http?.scheme, 'https');
  assert.equal(server.http?.requestBodySize, 3000);
  assert.equal(server.http?.responseBodySize, 'posted'.length);
  assert.equal(server.trace.traceId, traceId);
  assert.equal(server.trace.parentSpanId, parent);
});

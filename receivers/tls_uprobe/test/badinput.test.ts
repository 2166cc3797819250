import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupAll, go, makeCerts, nodeClient, pythonClient, received, run, sleep, startNginxTls, startNodeHttps } from './servers.js';
import { buildStaticClients } from './static-client.js';
import { startHarness } from './harness.js';
import { cleanUp } from '../../../test/support/cleanup.js';

test('static OpenSSL clients: with symbols, without the _ex functions, stripped — clear log lines, spans where possible', { timeout: 120_000 }, async (t) => {
  const h = await startHarness();
  t.after(() => cleanUp(() => h.stop(), cleanupAll));
  const bins = buildStaticClients();
  const certs = makeCerts();
  const srv = await startNginxTls(19850, certs, 1);
  for (const pid of srv.pids()) await h.probed(pid);
  const counts: Record<string, number> = {};
  for (const [name, bin] of Object.entries(bins)) {
    const cli = run(bin, ['19850', '3', h.marker], { stdin: true });
    if (name !== 'stripped') await h.probed(cli.pid);
    else await h.waitSpans(() => false, 1, 1500); // give discovery the time it would need
    go(cli);
    assert.equal(await cli.exited, 0, `${name}: ${cli.output()}`);
    await sleep(300);
    counts[name] = h.spans.filter((s) => s.kind === 'client' && s.service.process.pid === cli.pid).length;
  }
  assert.deepEqual(counts, { full: 3, noEx: 3, stripped: 0 });
  const workers = new Set(srv.pids());
  const server = await h.waitSpans((s) => s.kind === 'server' && workers.has(s.service.process.pid), 9);
  assert.equal(server.length, 9, 'nginx saw all nine requests, the stripped client\'s too');
  assert.ok(server.every((s) => s.http?.status === 404 && s.http.scheme === 'https' && s.http.path.startsWith('/static/')));
  const logs = h.ctx.logs.map((l) => `${l.level} ${l.msg}`);
  assert.ok(logs.some((l) => /^warn .*tlsget-noex has no SSL_read_ex\/SSL_write_ex \(OpenSSL older than 1\.1\.1\?\); probing SSL_read, SSL_write/.test(l)), logs.join('\n'));
  assert.ok(logs.some((l) => /^warn .*tlsget-stripped contains OpenSSL linked in statically but has no symbol table/.test(l)), logs.join('\n'));
  assert.ok(logs.some((l) => /TLS probes on .*\/tlsget \[ssl_read_internal, ssl_write_internal, SSL_free\]/.test(l)), logs.join('\n'));
});

test('a TLS server killed mid-request, a client killed mid-request: status-0 spans, counted, and the receiver keeps working', { timeout: 120_000 }, async (t) => {
  const h = await startHarness({ request_timeout: '2s' });
  t.after(() => cleanUp(() => h.stop(), cleanupAll));
  const certs = makeCerts();
  const doomed = await startNodeHttps(19851, certs);
  await h.probed(doomed.proc.pid);
  const cli = pythonClient(19851, ['/hang'], h.marker);
  await h.probed(cli.pid);
  go(cli);
  await received(doomed, '/hang');
  doomed.proc.child.kill('SIGKILL');
  await cli.exited; // urllib: RemoteDisconnected
  const hung = await h.waitSpans((s) => s.http?.path === '/hang', 2, 15_000);
  assert.deepEqual(hung.map((s) => [s.kind, s.http?.status]).sort(), [['client', 0], ['server', 0]], h.spans.map((s) => `${s.kind} ${s.http?.path} ${s.http?.status}`).join(', '));
  // the dead server's sockets close with the process: the probe flushes the unanswered request right then,
  // counted in the kernel (published at the receiver's next counter poll, within a second)
  const counted = () => h.counter('lumen_tls_closed_no_response_total') + h.counter('lumen_tls_incomplete_total');
  for (let i = 0; i < 30 && counted() < 1; i++) await sleep(100);
  assert.ok(counted() >= 1, 'the unanswered request is counted');

  // a client that goes away while its request is served
  const srv = await startNodeHttps(19852, certs);
  await h.probed(srv.proc.pid);
  const quitter = nodeClient(19852, ['/slow'], h.marker);
  await h.probed(quitter.pid);
  go(quitter);
  await received(srv, '/slow');
  quitter.child.kill('SIGKILL');
  await quitter.exited;
  const slow = await h.waitSpans((s) => s.kind === 'server' && s.http?.path === '/slow', 1, 10_000);
  assert.equal(slow.length, 1, h.spans.map((s) => `${s.kind} ${s.http?.path} ${s.http?.status} ${s.connection.peerPort}`).join(', '));

  // still working
  const after = nodeClient(19852, ['/after'], h.marker);
  await h.probed(after.pid);
  go(after);
  assert.equal(await after.exited, 0);
  const ok = await h.waitSpans((s) => s.http?.path === '/after', 2);
  assert.deepEqual(ok.map((s) => [s.kind, s.http?.status]).sort(), [['client', 200], ['server', 200]]);
  // the killed client's own request: reported once, with status 0, when discovery sees it gone
  const abandoned = await h.waitSpans((s) => s.kind === 'client' && s.http?.path === '/slow', 1, 10_000);
  await sleep(1500);
  assert.deepEqual(abandoned.map((s) => s.http?.status), [0]);
  assert.equal(h.spans.filter((s) => s.http?.path === '/slow').length, 2, 'one server and one client span for the abandoned request');
});

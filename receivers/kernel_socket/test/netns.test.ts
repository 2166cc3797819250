/**
 * Off loopback: a Node server in a network namespace of ours behind a veth pair, called by curl from the host
 * over the veth (a real network device with its own addresses): the server span and the client span carry the
 * veth addresses, mirrored. The namespace and the veth are deleted at the end, even on failure.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import {
  CLIENT_MARKER, PROGRAMS, describe, runClient, sleep, startProc, startTrackedAgent, stopAllProcs, waitForPort,
  type Agent,
} from './support.js';
import { cleanUp } from '../../../test/support/cleanup.js';

const NS = 'ks_ns1';
const HOST_IF = 'ks_veth0';
const NS_IF = 'ks_veth1';
const HOST_IP = '10.199.61.1';
const NS_IP = '10.199.61.2';
const PORT = 19665;
let agent: Agent;
let tracked: Awaited<ReturnType<typeof startTrackedAgent>>;

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });

function teardown(): void {
  try { ip('netns', 'del', NS); } catch { /* not there */ }
  try { ip('link', 'del', HOST_IF); } catch { /* gone with the namespace */ }
}

before(async () => {
  teardown();
  ip('netns', 'add', NS);
  ip('link', 'add', HOST_IF, 'type', 'veth', 'peer', 'name', NS_IF);
  ip('link', 'set', NS_IF, 'netns', NS);
  ip('addr', 'add', `${HOST_IP}/24`, 'dev', HOST_IF);
  ip('link', 'set', HOST_IF, 'up');
  ip('-n', NS, 'addr', 'add', `${NS_IP}/24`, 'dev', NS_IF);
  ip('-n', NS, 'link', 'set', NS_IF, 'up');
  ip('-n', NS, 'link', 'set', 'lo', 'up');
  tracked = await startTrackedAgent({ request_timeout: '5s' });
  agent = tracked.agent;
});
after(() => cleanUp(
  () => agent?.stop(),
  stopAllProcs,
  teardown,
  async () => assert.deepEqual(await tracked.leftLoaded(), [], 'programs the agent loaded left in the kernel'),
));

test('server in a network namespace, client on the host, over a veth pair', async () => {
  const server = startProc('ip', ['netns', 'exec', NS, process.execPath, join(PROGRAMS, 'server.mjs'), String(PORT), NS_IP],
    { env: { OTEL_SERVICE_NAME: 'ks-netns' } });
  await waitForPort(PORT, 20_000, NS_IP);
  await agent.waitAdded(server.pid, 15_000); // `ip netns exec` execs node: same pid
  const results = await runClient(agent, 'curl', [`GET http://${NS_IP}:${PORT}/hello?via=veth`, `GET http://${NS_IP}:${PORT}/status/503?via=veth`]);
  assert.deepEqual(results.map((r) => r.status), [200, 503]);
  const viaVeth = (s: { http?: { query: string } }) => s.http?.query === 'via=veth';
  await agent.waitSpans(viaVeth, 4, 10_000);
  await sleep(300);
  const spans = agent.spans.filter(viaVeth);
  assert.equal(spans.length, 4, spans.map(describe).join(' | '));
  const servers = spans.filter((s) => s.kind === 'server');
  const clients = spans.filter((s) => s.kind === 'client');
  assert.deepEqual(servers.map((s) => s.http?.status).sort(), [200, 503]);
  assert.deepEqual(clients.map((s) => s.http?.status).sort(), [200, 503]);
  for (const s of servers) {
    assert.equal(s.service.name, 'ks-netns');
    assert.deepEqual([s.connection.hostAddress, s.connection.hostPort, s.connection.peerAddress], [NS_IP, PORT, HOST_IP]);
  }
  for (const c of clients) {
    assert.ok(c.service.process.cmdline.includes(CLIENT_MARKER));
    assert.deepEqual([c.connection.hostAddress, c.connection.peerAddress, c.connection.peerPort], [HOST_IP, NS_IP, PORT]);
    assert.ok(servers.some((s) => s.connection.peerPort === c.connection.hostPort && s.http?.path === c.http?.path));
  }
  await server.kill();
});

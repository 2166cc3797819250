/**
 * Load (an explicit load test, ~10-30 s): 10,000 requests at concurrency 50 over keep-alive connections give
 * exactly 10,000 server spans, with no ring-buffer drop and nothing discarded.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Span } from '../../../src/model/span.js';
import {
  instrumented, sleep, startProc, startServer, startTrackedAgent, stopAllProcs, PROGRAMS,
  type Agent, type ServerKind,
} from './support.js';
import { cleanUp } from '../../../test/support/cleanup.js';

let agent: Agent;
let tracked: Awaited<ReturnType<typeof startTrackedAgent>>;

before(async () => {
  tracked = await startTrackedAgent({ request_timeout: '10s' });
  agent = tracked.agent;
});
after(() => cleanUp(
  () => agent?.stop(),
  stopAllProcs,
  async () => assert.deepEqual(await tracked.leftLoaded(), [], 'programs the agent loaded left in the kernel'),
));

const TOTAL = 10_000;
const CONCURRENCY = 50;

for (const [kind, port, path] of [['nginx', 19650, '/hello.txt'], ['node', 19651, '/hello'], ['go', 19652, '/hello'], ['java', 19653, '/hello']] as Array<[ServerKind, number, string]>) {
  test(`${kind}: ${TOTAL} keep-alive requests at concurrency ${CONCURRENCY} → ${TOTAL} spans, 0 drops`, async () => {
    const server = await startServer(kind, port);
    await instrumented(agent, server.pids);
    const dropsBefore = agent.counter('lumen_kernel_socket_ringbuf_drops_total');
    const discardedBefore = agent.counter('lumen_kernel_socket_discarded_total');
    const load = startProc(process.execPath, [join(PROGRAMS, 'load.mjs'), `http://127.0.0.1:${port}${path}`, String(TOTAL), String(CONCURRENCY)]);
    const code = await load.exited();
    const result = JSON.parse(load.stdout()) as { ok: number; errors: number; ms: number; statuses: Record<string, number> };
    assert.equal(code, 0, load.stderr());
    assert.deepEqual({ ok: result.ok, errors: result.errors, statuses: result.statuses }, { ok: TOTAL, errors: 0, statuses: { 200: TOTAL } });
    const mine = (s: Span) => s.service.name === server.serviceName && s.http?.path === path;
    await agent.waitSpans(mine, TOTAL, 30_000);
    await sleep(500);
    const spans = agent.spans.filter(mine);
    assert.equal(spans.length, TOTAL);
    assert.ok(spans.every((s) => s.http?.status === 200 && s.http.responseBodySize === 11 && s.kind === 'server'));
    const peers = new Set(spans.map((s) => s.connection.peerPort));
    assert.ok(peers.size <= CONCURRENCY, `${peers.size} client connections for ${CONCURRENCY} keep-alive sockets`);
    assert.equal(agent.counter('lumen_kernel_socket_ringbuf_drops_total') - dropsBefore, 0, 'ring buffer drops');
    assert.equal(agent.counter('lumen_kernel_socket_discarded_total') - discardedBefore, 0, 'discarded');
    process.stderr.write(`# ${kind}: ${TOTAL} requests in ${result.ms} ms (${Math.round(TOTAL / (result.ms / 1000))} req/s) over ${peers.size} connections\n`);
    await server.proc.kill();
    agent.spans.length = 0;
  });
}

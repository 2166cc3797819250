/**
 * Context propagation beside another agent that propagates too (two Lumens on one host, or any other sockmap
 * user): a socket can be in the sockhash of only one sk_msg program, and cgroup sock_ops programs run in attach
 * order — an agent that put *every* client socket into its own sockhash took the sockets of processes it does not
 * instrument, and the agent that instruments them could then never inject into them. Here agent A (started first)
 * instruments nothing of ours; agent B instruments a Node front and the recorder it calls: every call must carry
 * B's traceparent. Ports 20460 (front), 20461 (recorder).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { join } from 'node:path';
import { cleanUp } from '../../../test/support/cleanup.js';
import { PROGRAMS, sleep, startAgent, startProc, stopAllProcs, type Agent } from './support.js';

const FRONT = 20460, RECORDER = 20461, CALLS = 20;
const agents: Agent[] = [];

after(() => cleanUp(...agents.map((a) => () => a.stop()), stopAllProcs));

function get(agent: http.Agent, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: FRONT, path, agent }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
    }).on('error', reject);
  });
}

test('an agent that propagates injects into its processes\' calls even when another propagating agent started first', { timeout: 120_000 }, async () => {
  // A: propagation on, instruments only a command line no process here has.
  agents.push(await startAgent({ context_propagation: 'headers' }, { instrument: [{ cmd_args: '*lumen-nothing-of-ours*' }] }));
  const b = await startAgent({ context_propagation: 'headers' }, { instrument: [{ open_ports: `${FRONT},${RECORDER}` }] });
  agents.push(b);
  const recorder = startProc(process.execPath, [join(PROGRAMS, 'recorder.mjs'), String(RECORDER)]);
  const front = startProc(process.execPath, [join(PROGRAMS, 'front.mjs'), String(FRONT), String(RECORDER)]);
  for (const p of [recorder, front]) while (!p.stdout().includes('listening')) await sleep(50);
  await b.waitAdded(front.pid, 15_000);
  await b.waitAdded(recorder.pid, 15_000);

  const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < CALLS; i++) await get(keepAlive, `/beside/${i}`);
  keepAlive.destroy();
  // The recorder prints a line before it answers, but its pipe may reach us after the answer did.
  const seen = () => recorder.stdout().split('\n').filter((l) => l.startsWith('/beside/'));
  for (const until = Date.now() + 10_000; seen().length < CALLS && Date.now() < until;) await sleep(50);
  assert.equal(seen().length, CALLS);
  const injected = seen().filter((l) => /^\S+ 00-[0-9a-f]{32}-[0-9a-f]{16}-01$/.test(l));
  assert.equal(injected.length, CALLS, `calls that carry B's traceparent:\n${seen().join('\n')}`);
  // B's kernel counters are read on its capture loop's next poll.
  const injectedByB = () => b.counter('lumen_kernel_socket_propagation_total', { result: 'injected' });
  for (const until = Date.now() + 10_000; injectedByB() < CALLS && Date.now() < until;) await sleep(100);
  assert.equal(injectedByB(), CALLS, 'injected by B');
});

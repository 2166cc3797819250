/** Interfaces that appear after start are picked up (and dropped when they go); loopback stays excluded by default. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPair, inNs, removePair, sh, sleep, startHarness, sum, killLeftovers } from './netns.js';

after(killLeftovers); // a harness a failed test did not stop must not keep this file alive

const root = process.getuid?.() === 0;
const PORT = 19717;

test('a veth created after start is watched within the poll interval, and released when deleted', { skip: !root && 'needs root', timeout: 60_000 }, async (t) => {
  const p = createPair('iw', 7);
  t.after(() => removePair(p));
  const h = await startHarness(p.a, { interfaces_poll_interval: '200ms', tcp_health: { enabled: false } });
  sh('ip', ['link', 'add', 'nf_iwx', 'netns', p.a, 'type', 'veth', 'peer', 'name', 'nf_iwy', 'netns', p.b]);
  inNs(p.a, 'ip', ['addr', 'add', '10.201.8.1/24', 'dev', 'nf_iwx']);
  inNs(p.b, 'ip', ['addr', 'add', '10.201.8.2/24', 'dev', 'nf_iwy']);
  inNs(p.a, 'ip', ['link', 'set', 'nf_iwx', 'up']);
  inNs(p.b, 'ip', ['link', 'set', 'nf_iwy', 'up']);
  await sleep(600);
  inNs(p.a, 'python3', ['-c', `
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(100): s.sendto(b'n' * 100, ('10.201.8.2', ${PORT}))
s.sendto(b'l' * 10, ('127.0.0.1', ${PORT}))
`]);
  await sleep(300);
  inNs(p.a, 'ip', ['link', 'del', 'nf_iwx']);
  await sleep(600);
  const out = await h.stop();
  assert.equal(sum(out.flows, (f) => f.interface === 'nf_iwx' && f.dstPort === PORT && f.direction === 'egress', 'packets'), 100);
  assert.ok(!out.flows.some((f) => f.interface === 'lo'), 'loopback is excluded by default');
  assert.match(out.stderr, /"attached":\["nf_iwx"\]/);
  assert.match(out.stderr, /"detached":\["nf_iwx"\]/);
});

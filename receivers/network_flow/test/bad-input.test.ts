/**
 * Hand-crafted frames (testdata/craft_frames.py, raw AF_PACKET) through a veth pair, watched by the receiver
 * on both ends (socket filter on the sender, TC on the receiver): IPv6 extension headers and IP fragments land
 * in their real flows, malformed packets, non-IP frames and seeded random garbage make no flow and no crash.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { TESTDATA, createPair, inNs, mac, removePair, sleep, startHarness, sum, killLeftovers } from './netns.js';
import type { FlowJson } from '../../../src/model/flow-json.js';

after(killLeftovers); // a harness a failed test did not stop must not keep this file alive

const root = process.getuid?.() === 0;

interface Crafted {
  valid: Array<{ transport: string; src: string; dst: string; sport: number; dport: number; bytes: number }>;
  malformed: number;
  non_ip: number;
}

test('malformed packets, IPv6 extension headers, fragments, non-IP frames: no crash, no bogus flow', { skip: !root && 'needs root', timeout: 120_000 }, async (t) => {
  const p = createPair('bi', 6);
  t.after(() => removePair(p));
  const ha = await startHarness(p.a, { interfaces: [p.va], source: 'socket_filter', tcp_health: { enabled: false } });
  const hb = await startHarness(p.b, { interfaces: [p.vb], source: 'tc', tcp_health: { enabled: false } });
  const crafted = JSON.parse(inNs(p.a, 'python3', [join(TESTDATA, 'craft_frames.py'), p.va, mac(p.b, p.vb), p.ipA, p.ipB, p.ip6A, p.ip6B]).trim()) as Crafted;
  await sleep(300);
  const [oa, ob] = await Promise.all([ha.stop(), hb.stop()]);
  assert.equal(ha.process.exitCode, 0);
  assert.equal(hb.process.exitCode, 0);

  const ours = new Set([p.ipA, p.ipB, p.ip6A, p.ip6B]);
  // What the kernels themselves send on a fresh link: IPv6 neighbour discovery / MLD, and ICMP errors
  // answering the crafted valid datagrams (no listener on their ports).
  const background = (f: FlowJson) =>
    (f.transport === 'icmpv6' && (/^(fe80:|ff02:|::$)/.test(f.srcAddress) || /^ff02:/.test(f.dstAddress))) ||
    ((f.transport === 'icmp' || f.transport === 'icmpv6') && f.srcAddress === (f.srcAddress.includes(':') ? p.ip6B : p.ipB));
  for (const [side, out, direction] of [['sender (socket filter)', oa, 'egress'], ['receiver (tc)', ob, 'ingress']] as const) {
    for (const f of out.flows) {
      assert.ok(!/^10\.201\.66\.|^fd00:201:66:/.test(f.srcAddress), `${side}: a malformed packet made a flow: ${JSON.stringify(f)}`);
      if (background(f)) continue;
      assert.ok(ours.has(f.srcAddress) && ours.has(f.dstAddress), `${side}: bogus flow ${JSON.stringify(f)}`);
      const match = crafted.valid.some((v) => v.src === f.srcAddress && v.dst === f.dstAddress && v.sport === f.srcPort && v.dport === f.dstPort && v.transport === f.transport);
      assert.ok(match, `${side}: unexpected flow ${JSON.stringify(f)}`);
    }
    // Each valid crafted packet is counted, in the flow of its real ports, with its exact frame length.
    const key = (v: { src: string; dst: string; sport: number; dport: number }) => `${v.src}|${v.dst}|${v.sport}|${v.dport}`;
    const expected = new Map<string, number>();
    for (const v of crafted.valid) expected.set(key(v), (expected.get(key(v)) ?? 0) + v.bytes);
    for (const [k, bytes] of expected) {
      const got = sum(out.flows, (f) => f.direction === direction && key({ src: f.srcAddress, dst: f.dstAddress, sport: f.srcPort, dport: f.dstPort }) === k);
      assert.equal(got, bytes, `${side}: flow ${k}`);
    }
    const tel = out.telemetry;
    assert.equal(tel['lumen_network_flow_ignored_packets_total{reason=malformed}'], crafted.malformed, `${side}: malformed packets tallied`);
    assert.ok(tel['lumen_network_flow_ignored_packets_total{reason=non_ip}']! >= crafted.non_ip);
    assert.equal(tel['lumen_network_flow_fragments_total{matched=true}'], 2, `${side}: later fragments matched to their first`);
    assert.equal(tel['lumen_network_flow_fragments_total{matched=false}'], 1, `${side}: the orphan fragment`);
    t.diagnostic(`${side}: ${out.flows.length} flows; malformed=${tel['lumen_network_flow_ignored_packets_total{reason=malformed}']} (sent ${crafted.malformed}) non_ip=${tel['lumen_network_flow_ignored_packets_total{reason=non_ip}']}`);
  }
});

/**
 * Known transfers between two network namespaces (veth) and on loopback, counted by the real receiver
 * (socket filter and TC) and compared with the kernel's own interface counters: within 1% each direction.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { background, counters, createPair, inNs, removePair, sleep, startHarness, sum, within, type Pair, killLeftovers } from './netns.js';

after(killLeftovers); // a harness a failed test did not stop must not keep this file alive

const root = process.getuid?.() === 0;
const HTTP_PORT = 19703;
const LO_PORT = 19704;
const UDP_PORT = 19705;
const FRAG_PORT = 19706;
const SIZE = 10 * 1024 * 1024;

async function waitHttp(ns: string, url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      inNs(ns, 'curl', ['-s', '-o', '/dev/null', '--max-time', '1', url]);
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`${url} never answered`);
}

function download(ns: string, url: string): number {
  const out = inNs(ns, 'curl', ['-s', '-o', '/dev/null', '-w', '%{size_download}', url]);
  return Number(out);
}

test('10 MB over HTTP between two namespaces: each direction within 1% of the veth counters', { skip: !root && 'needs root' }, async (t) => {
  const p: Pair = createPair('tr', 1);
  // Only HTTP may cross this pair while the interface counters are compared: IPv6 (unused here) would add the
  // kernel's MLD reports (90 bytes, at random times after link-up), 2.5 % of the ~7 KB client → server direction.
  for (const [ns, dev] of [[p.a, p.va], [p.b, p.vb]] as const) inNs(ns, 'sysctl', ['-qw', `net.ipv6.conf.${dev}.disable_ipv6=1`]);
  const dir = mkdtempSync(join(tmpdir(), 'nf-http-'));
  writeFileSync(join(dir, 'blob'), Buffer.alloc(SIZE, 7));
  const server = background(p.b, 'python3', ['-m', 'http.server', String(HTTP_PORT), '--bind', p.ipB, '--directory', dir]);
  t.after(() => {
    server.stop();
    removePair(p);
    rmSync(dir, { recursive: true, force: true });
  });
  const url = `http://${p.ipB}:${HTTP_PORT}/blob`;
  await waitHttp(p.a, `http://${p.ipB}:${HTTP_PORT}/`);

  for (const source of ['socket_filter', 'tc'] as const) {
    const h = await startHarness(p.a, { source, interfaces: [p.va] });
    const before = counters(p.a, p.va);
    assert.equal(download(p.a, url), SIZE);
    await sleep(200);
    const after = counters(p.a, p.va);
    const out = await h.stop();
    const http = (f: { srcPort: number; dstPort: number }) => f.srcPort === HTTP_PORT || f.dstPort === HTTP_PORT;
    const ingress = sum(out.flows, (f) => http(f) && f.direction === 'ingress' && f.srcAddress === p.ipB && f.interface === p.va);
    const egress = sum(out.flows, (f) => http(f) && f.direction === 'egress' && f.dstAddress === p.ipB && f.interface === p.va);
    t.diagnostic(within(ingress, after.rx_bytes - before.rx_bytes, 0.01, `${source} ingress (server → client)`));
    t.diagnostic(within(egress, after.tx_bytes - before.tx_bytes, 0.01, `${source} egress (client → server)`));
    assert.ok(ingress >= SIZE, `${source}: ingress ${ingress} < payload ${SIZE}`);
    const one = out.flows.find((f) => http(f) && f.direction === 'ingress');
    assert.equal(one?.transport, 'tcp');
    assert.equal(out.telemetry['lumen_network_flow_lost_packets_total'], 0);
  }
});

test('a UDP stream and fragmented datagrams: counted once, fragments keep their ports, within 1% on both ends', { skip: !root && 'needs root' }, async (t) => {
  const p = createPair('ud', 2);
  const sink = background(p.b, 'python3', ['-c', `
import socket
s1 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s1.bind(('${p.ipB}', ${UDP_PORT}))
s2 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s2.bind(('${p.ipB}', ${FRAG_PORT}))
import select
while True:
    for s in select.select([s1, s2], [], [])[0]: s.recv(65535)
`]);
  t.after(() => {
    sink.stop();
    removePair(p);
  });
  await sleep(300);
  const ha = await startHarness(p.a, { interfaces: [p.va] });
  const hb = await startHarness(p.b, { interfaces: [p.vb], source: 'tc' });
  const a0 = counters(p.a, p.va);
  const b0 = counters(p.b, p.vb);
  inNs(p.a, 'python3', ['-c', `
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(3000):
    s.sendto(b'u' * 1200, ('${p.ipB}', ${UDP_PORT}))
    if i % 200 == 0: time.sleep(0.005)
for i in range(300):
    s.sendto(b'f' * 4000, ('${p.ipB}', ${FRAG_PORT}))
    if i % 50 == 0: time.sleep(0.005)
`]);
  await sleep(200);
  const a1 = counters(p.a, p.va);
  const b1 = counters(p.b, p.vb);
  const [oa, ob] = await Promise.all([ha.stop(), hb.stop()]);
  const udp = (port: number) => (f: { transport: string; dstPort: number; dstAddress: string }) => f.transport === 'udp' && f.dstPort === port && f.dstAddress === p.ipB;
  const sentA = sum(oa.flows, (f) => udp(UDP_PORT)(f) && f.direction === 'egress');
  const fragA = sum(oa.flows, (f) => udp(FRAG_PORT)(f) && f.direction === 'egress');
  const recvB = sum(ob.flows, (f) => udp(UDP_PORT)(f) && f.direction === 'ingress');
  const fragB = sum(ob.flows, (f) => udp(FRAG_PORT)(f) && f.direction === 'ingress');
  // 1200 B payload + 8 UDP + 20 IP + 14 Ethernet per datagram.
  t.diagnostic(within(sentA, 3000 * 1242, 0.01, 'UDP stream bytes sent (expected from the datagrams)'));
  t.diagnostic(within(sentA + fragA, a1.tx_bytes - a0.tx_bytes, 0.01, 'namespace a egress vs tx_bytes'));
  t.diagnostic(within(recvB + fragB, b1.rx_bytes - b0.rx_bytes, 0.01, 'namespace b ingress (tc) vs rx_bytes'));
  assert.equal(sum(oa.flows, (f) => udp(UDP_PORT)(f), 'packets'), 3000);
  // 4000 B datagrams on a 1500 MTU: 3 fragments each, all under the datagram's ports.
  assert.equal(sum(oa.flows, (f) => udp(FRAG_PORT)(f), 'packets'), 900);
  assert.equal(sum(ob.flows, (f) => udp(FRAG_PORT)(f), 'packets'), 900);
  assert.equal(oa.telemetry['lumen_network_flow_fragments_total{matched=true}'], 600);
  assert.equal(ob.telemetry['lumen_network_flow_fragments_total{matched=true}'], 600);
  assert.ok(!oa.flows.some((f) => f.transport === 'udp' && f.dstPort === 0), 'a fragment was counted without its ports');
});

test('loopback: 10 MB counted once (not twice), equal to the lo counters', { skip: !root && 'needs root' }, async (t) => {
  const p = createPair('lo', 3);
  const dir = mkdtempSync(join(tmpdir(), 'nf-lo-'));
  writeFileSync(join(dir, 'blob'), Buffer.alloc(SIZE, 1));
  const server = background(p.a, 'python3', ['-m', 'http.server', String(LO_PORT), '--bind', '127.0.0.1', '--directory', dir]);
  t.after(() => {
    server.stop();
    removePair(p);
    rmSync(dir, { recursive: true, force: true });
  });
  await waitHttp(p.a, `http://127.0.0.1:${LO_PORT}/`);
  for (const source of ['socket_filter', 'tc'] as const) {
    const h = await startHarness(p.a, { source, interfaces: ['lo'] });
    const before = counters(p.a, 'lo');
    assert.equal(download(p.a, `http://127.0.0.1:${LO_PORT}/blob`), SIZE);
    await sleep(200);
    const after = counters(p.a, 'lo');
    const out = await h.stop();
    const onLo = out.flows.filter((f) => f.interface === 'lo');
    // Every packet crosses lo once as sent and once as received: the counters count it once (tx == rx).
    t.diagnostic(within(sum(onLo, () => true), after.tx_bytes - before.tx_bytes, 0.01, `${source} lo total`));
    const down = sum(onLo, (f) => f.srcPort === LO_PORT);
    const up = sum(onLo, (f) => f.dstPort === LO_PORT);
    // Exactness is the lo-counter check above; here: the payload once, not twice. Retransmissions are real
    // bytes on lo (its per-CPU backlog drops under load, seen at +9.5 %), so the bound is well below 2x, not 1.01x.
    assert.ok(down >= SIZE && down < SIZE * 1.5, `${source}: server→client ${down} is not 10 MB once`);
    assert.ok(up > 0 && up < SIZE * 0.05, `${source}: client→server ${up}`);
    assert.ok(onLo.every((f) => f.direction === 'egress'), 'loopback packets are counted as egress only');
    assert.ok(out.telemetry['lumen_network_flow_ignored_packets_total{reason=loopback_duplicate}']! > 0);
  }
});

/**
 * Flow cache eviction under many short connections with a tiny cache (cache_max_flows 16, kernel map 16):
 * every connection is still reported in both directions, nothing is lost (totals match the veth counters),
 * early evictions are counted; a long-lived connection is reported every cache_active_timeout.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { background, counters, createPair, inNs, removePair, sleep, startHarness, sum, within, killLeftovers } from './netns.js';

after(killLeftovers); // a harness a failed test did not stop must not keep this file alive

const root = process.getuid?.() === 0;
const PORT = 19711;
const CONNECTIONS = 200;

test('200 short connections through a 16-flow cache: all reported, none lost, evictions counted; long flows reported per active timeout', { skip: !root && 'needs root', timeout: 120_000 }, async (t) => {
  const p = createPair('ev', 5);
  const server = background(p.b, 'python3', ['-c', `
import socket, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('${p.ipB}', ${PORT})); s.listen(256)
def handle(c):
    while True:
        d = c.recv(100)
        if not d: break
        c.sendall(b'r' * 1000)
    c.close()
print('listening', flush=True)
while True:
    c, _ = s.accept(); threading.Thread(target=handle, args=(c,), daemon=True).start()
`]);
  t.after(() => {
    server.stop();
    removePair(p);
  });
  for (let i = 0; i < 50 && !server.output().includes('listening'); i++) await sleep(100);
  const h = await startHarness(p.a, {
    interfaces: [p.va], cache_max_flows: 16, cache_active_timeout: '1s', cache_inactive_timeout: '500ms', tcp_health: { enabled: false },
  });
  const before = counters(p.a, p.va);
  const client = JSON.parse(inNs(p.a, 'python3', ['-c', `
import socket, json, time, threading
ports = []
long_port = []
def long_lived():
    c = socket.create_connection(('${p.ipB}', ${PORT})); long_port.append(c.getsockname()[1])
    end = time.time() + 3.5
    while time.time() < end:
        c.sendall(b'l' * 100); c.recv(1000); time.sleep(0.1)
    c.close()
th = threading.Thread(target=long_lived); th.start()
for i in range(${CONNECTIONS}):
    c = socket.create_connection(('${p.ipB}', ${PORT})); ports.append(c.getsockname()[1])
    c.sendall(b'q' * 100)
    n = 0
    while n < 1000: n += len(c.recv(1000))
    c.close()
th.join()
print(json.dumps({'ports': ports, 'long': long_port[0]}))
`]).trim()) as { ports: number[]; long: number };
  await sleep(300);
  const after = counters(p.a, p.va);
  const out = await h.stop();
  const flows = out.flows.filter((f) => f.interface === p.va);

  const seen = { up: new Set<number>(), down: new Set<number>() };
  for (const f of flows) {
    if (f.direction === 'egress' && f.dstPort === PORT) seen.up.add(f.srcPort);
    if (f.direction === 'ingress' && f.srcPort === PORT) seen.down.add(f.dstPort);
  }
  const missing = client.ports.filter((port) => !seen.up.has(port) || !seen.down.has(port));
  assert.deepEqual(missing, [], 'connections not reported in both directions');
  // Per short connection, server → client carries the 1000-byte answer plus the handshake and FIN.
  for (const port of client.ports.slice(0, 20)) {
    const down = sum(flows, (f) => f.direction === 'ingress' && f.dstPort === port);
    assert.ok(down >= 1000 && down < 1500, `connection ${port}: ${down} bytes server → client`);
  }
  t.diagnostic(within(sum(flows, (f) => f.direction === 'ingress'), after.rx_bytes - before.rx_bytes, 0.01, 'ingress total'));
  t.diagnostic(within(sum(flows, (f) => f.direction === 'egress'), after.tx_bytes - before.tx_bytes, 0.01, 'egress total'));

  const tel = out.telemetry;
  t.diagnostic(`evictions: cache_full=${tel['lumen_network_flow_evictions_total{reason=cache_full}']} active=${tel['lumen_network_flow_evictions_total{reason=active}']} ` +
    `inactive=${tel['lumen_network_flow_evictions_total{reason=inactive}']} shutdown=${tel['lumen_network_flow_evictions_total{reason=shutdown}']}; ` +
    `kernel map full (overflow ring)=${tel['lumen_network_flow_map_full_total']}`);
  assert.ok(tel['lumen_network_flow_evictions_total{reason=cache_full}']! > 0, 'no early (cache_full) eviction with 400 flows in a 16-flow cache');
  assert.equal(tel['lumen_network_flow_lost_packets_total'], 0);
  // The long connection (3.5 s, active timeout 1 s) is reported several times, each report a slice of it.
  const longReports = flows.filter((f) => f.direction === 'ingress' && f.dstPort === client.long);
  assert.ok(longReports.length >= 3, `long flow reported ${longReports.length} times`);
  assert.ok(tel['lumen_network_flow_evictions_total{reason=active}']! >= 3);
  const spans = longReports.map((f) => Number(BigInt(f.endUnixNano) - BigInt(f.startUnixNano)) / 1e9);
  assert.ok(spans.every((s) => s <= 2.1), `a report of the long flow spans ${Math.max(...spans)}s (active timeout 1 s + tick)`);
});

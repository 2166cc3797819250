/**
 * TCP health from tracepoints, against real connections between two namespaces: a connect time for each
 * connection (both ends), refused / reset / timed-out connections with their reason, retransmits under
 * forced loss (nftables drops; sch_netem is not built into this kernel), RTT at close, process attribution.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { background, createPair, inNs, removePair, sleep, startHarness, type HarnessOutput, killLeftovers } from './netns.js';

after(killLeftovers); // a harness a failed test did not stop must not keep this file alive

const root = process.getuid?.() === 0;
const OK_PORT = 19707;
const RST_PORT = 19708;
const CLOSED_PORT = 19799;
const LOSSY_PORT = 19710;
const BLACKHOLE_PORT = 19709;
const DRIP_PORT = 19718;

type M = HarnessOutput['measurements'][number];
const of = (ms: M[], metric: string, pred: (a: M['attributes']) => boolean) => ms.filter((m) => m.metric === metric && pred(m.attributes));

function retransSegs(ns: string): number {
  const lines = inNs(ns, 'cat', ['/proc/net/snmp']).split('\n').filter((l) => l.startsWith('Tcp:'));
  const names = lines[0]!.split(/\s+/);
  const values = lines[1]!.split(/\s+/);
  return Number(values[names.indexOf('RetransSegs')]);
}

test('connect time per connection, refused/reset/timeout failures, retransmits under loss, RTT at close', { skip: !root && 'needs root', timeout: 120_000 }, async (t) => {
  const p = createPair('th', 4);
  const server = background(p.b, 'python3', ['-c', `
import socket, struct, threading
def serve(port, fn):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('${p.ipB}', port)); s.listen(128)
    def loop():
        while True:
            c, _ = s.accept(); threading.Thread(target=fn, args=(c,), daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()
def ok(c):
    c.recv(100); c.sendall(b'pong'); c.close()
def rst(c):
    c.recv(1); c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0)); c.close()
def sink(c):
    while c.recv(65536): pass
    c.close()
def drip(c):
    import time
    for i in range(30):
        c.sendall(b'd' * 1000); time.sleep(0.05)
    c.close()
serve(${OK_PORT}, ok); serve(${RST_PORT}, rst); serve(${LOSSY_PORT}, sink); serve(${DRIP_PORT}, drip)
print('listening', flush=True)
threading.Event().wait()
`]);
  t.after(() => {
    server.stop();
    removePair(p);
  });
  for (let i = 0; i < 50 && !server.output().includes('listening'); i++) await sleep(100);
  // Loss for the retransmit check: the server's namespace drops every 8th data packet arriving on LOSSY_PORT.
  // Deterministic, not random: with GSO a 2 MB transfer can be as few as ~32 packets, and a 10 % random drop
  // let one CI run in ~30 lose none. Handshake packets (< 1000 bytes) pass, so no SYN retry adds to the count.
  inNs(p.b, 'nft', ['-f', '-'], `table inet nf_loss {\n chain in {\n  type filter hook input priority 0;\n  tcp dport ${LOSSY_PORT} meta length > 1000 numgen inc mod 8 == 3 drop\n }\n}\n`);
  // The timeout check: a neighbour that never answers, and SYN retries cut to 1 (~3 s to ETIMEDOUT).
  inNs(p.a, 'sysctl', ['-q', '-w', 'net.ipv4.tcp_syn_retries=1']);
  inNs(p.a, 'ip', ['neigh', 'add', '10.201.4.99', 'lladdr', '02:00:00:00:00:99', 'dev', p.va, 'nud', 'permanent']);

  const h = await startHarness(p.a, { interfaces: [p.va], tcp_health: { rtt_sample_interval: '300ms' } });
  const retrans0 = retransSegs(p.a);
  const client = JSON.parse(inNs(p.a, 'python3', ['-c', `
import socket, os, json, errno
out = {'pid': os.getpid(), 'ports': [], 'errors': {}}
for i in range(20):
    c = socket.create_connection(('${p.ipB}', ${OK_PORT})); out['ports'].append(c.getsockname()[1])
    c.sendall(b'ping'); c.recv(100); c.close()
def attempt(name, addr, send=None):
    c = socket.socket(); c.settimeout(15)
    try:
        c.connect(addr)
        out[name + '_port'] = c.getsockname()[1]
        if send: c.sendall(send); c.recv(10); c.recv(10)
        out['errors'][name] = 'none'
    except OSError as e:
        out['errors'][name] = errno.errorcode.get(e.errno, str(e))
    c.close()
attempt('refused', ('${p.ipB}', ${CLOSED_PORT}))
attempt('reset', ('${p.ipB}', ${RST_PORT}), b'x')
attempt('timeout', ('10.201.4.99', ${BLACKHOLE_PORT}))
c = socket.create_connection(('${p.ipB}', ${LOSSY_PORT})); out['lossy_port'] = c.getsockname()[1]
c.sendall(b'z' * 2_000_000); c.shutdown(socket.SHUT_WR); c.recv(1); c.close()  # returns once the sink has read it all
c = socket.create_connection(('${p.ipB}', ${DRIP_PORT})); out['drip_port'] = c.getsockname()[1]
while c.recv(65536): pass
c.close()
print(json.dumps(out))
`]).trim()) as { pid: number; ports: number[]; errors: Record<string, string>; lossy_port: number; drip_port: number };
  await sleep(300);
  const retrans = retransSegs(p.a) - retrans0;
  const out = await h.stop();
  const ms = out.measurements;
  assert.deepEqual(client.errors, { refused: 'ECONNREFUSED', reset: 'ECONNRESET', timeout: 'ETIMEDOUT' });

  // A connect time for each of the 20 connections, on the client (outgoing) and on the server (incoming).
  for (const port of client.ports) {
    const outgoing = of(ms, 'lumen.tcp.connect.duration', (a) => a['local.port'] === port && a['peer.address'] === p.ipB && a['direction'] === 'outgoing');
    assert.equal(outgoing.length, 1, `no outgoing connect time for local port ${port}`);
    assert.ok(outgoing[0]!.value > 0 && outgoing[0]!.value < 1, `connect time ${outgoing[0]!.value}s`);
    assert.equal(outgoing[0]!.attributes['process.pid'], client.pid);
    assert.equal(outgoing[0]!.attributes['process.executable.name'], 'python3');
    const incoming = of(ms, 'lumen.tcp.connect.duration', (a) => a['peer.port'] === port && a['local.port'] === OK_PORT && a['direction'] === 'incoming');
    assert.equal(incoming.length, 1, `no incoming connect time for peer port ${port}`);
    const rtt = of(ms, 'lumen.tcp.rtt', (a) => a['local.port'] === port && a['peer.port'] === OK_PORT);
    assert.equal(rtt.length, 1, `no RTT at close for local port ${port}`);
    assert.ok(rtt[0]!.value > 0 && rtt[0]!.value < 0.5);
  }
  t.diagnostic(`connect times (s): ${of(ms, 'lumen.tcp.connect.duration', (a) => a['direction'] === 'outgoing' && a['peer.port'] === OK_PORT).map((m) => m.value.toFixed(6)).join(' ')}`);

  const failed = (reason: string, peer: string, port: number) =>
    of(ms, 'lumen.tcp.failed.connections', (a) => a['reason'] === reason && a['peer.address'] === peer && a['peer.port'] === port).reduce((n, m) => n + m.value, 0);
  assert.equal(failed('refused', p.ipB, CLOSED_PORT), 1);
  assert.equal(failed('reset', p.ipB, RST_PORT), 1);
  assert.equal(failed('timeout', '10.201.4.99', BLACKHOLE_PORT), 1);
  assert.equal(of(ms, 'lumen.tcp.failed.connections', (a) => a['reason'] === 'refused')[0]!.attributes['error.type'], 'ECONNREFUSED');

  // Retransmits: the lossy transfer's, and the blackholed SYN's (one retry).
  const rt = (port: number) => of(ms, 'lumen.tcp.retransmits', (a) => a['peer.port'] === port).reduce((n, m) => n + m.value, 0);
  t.diagnostic(`retransmitted segments: lossy=${rt(LOSSY_PORT)} syn=${rt(BLACKHOLE_PORT)}; RetransSegs delta in the namespace=${retrans}`);
  assert.ok(rt(LOSSY_PORT) > 0, 'no retransmit reported for the lossy transfer');
  assert.ok(rt(BLACKHOLE_PORT) >= 1, 'the SYN retransmission was not reported');
  assert.equal(rt(LOSSY_PORT) + rt(BLACKHOLE_PORT), retrans, 'retransmitted segments differ from the namespace\'s RetransSegs');
  // A connection receiving for 1.5 s is sampled every 300 ms (tcp_rcv_space_adjust), besides its RTT at close.
  const drip = of(ms, 'lumen.tcp.rtt', (a) => a['local.port'] === client.drip_port && a['peer.port'] === DRIP_PORT);
  t.diagnostic(`RTT samples of the 1.5 s receiving connection: ${drip.length}`);
  assert.ok(drip.length >= 3 && drip.length <= 7, `${drip.length} RTT samples for a 1.5 s connection sampled every 300 ms`);
  assert.equal(out.telemetry['lumen_network_flow_tcp_events_lost_total'], 0);
});

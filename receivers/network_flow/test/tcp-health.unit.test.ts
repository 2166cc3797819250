import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AddressInterner, parseAddress } from '../addr.js';
import { MonotonicClock } from '../clock.js';
import { TCP_EVENT_SIZE, decodeTcpEvent, failureReason } from '../tcp-event.js';
import { TcpHealthConverter } from '../tcp-health.js';

function record(type: number, opts: { value?: number; lport?: number; pport?: number; pid?: number; dir?: number; err?: number; segs?: number } = {}): Buffer {
  const b = Buffer.alloc(TCP_EVENT_SIZE);
  b.writeBigUInt64LE(1_000_000n, 0);
  b.writeBigUInt64LE(BigInt(opts.value ?? 0), 8);
  b.set(parseAddress('10.1.1.1')!, 16);
  b.set(parseAddress('fd00::2')!, 32);
  b.writeUInt16LE(opts.lport ?? 40000, 48);
  b.writeUInt16LE(opts.pport ?? 443, 50);
  b.writeUInt32LE(opts.pid ?? 0, 52);
  b[56] = type;
  b[57] = 4;
  b[58] = opts.dir ?? 0;
  b.writeInt32LE(opts.err ?? 0, 60);
  b.writeUInt32LE(opts.segs ?? 0, 68);
  return b;
}

const addrs = new AddressInterner();

test('decodes each event kind; short and unknown records are refused', () => {
  const e = decodeTcpEvent(record(1, { value: 2_500_000, pid: 77, dir: 1 }), 0, TCP_EVENT_SIZE, addrs)!;
  assert.equal(e.type, 'connect');
  assert.equal(e.valueNs, 2_500_000);
  assert.equal(e.localAddress, '10.1.1.1');
  assert.equal(e.peerAddress, 'fd00::2');
  assert.equal(e.localPort, 40000);
  assert.equal(e.peerPort, 443);
  assert.equal(e.pid, 77);
  assert.equal(e.direction, 'incoming');
  assert.equal(decodeTcpEvent(record(9), 0, TCP_EVENT_SIZE, addrs), undefined);
  assert.equal(decodeTcpEvent(record(1), 0, TCP_EVENT_SIZE - 1, addrs), undefined);
  assert.deepEqual([111, 104, 32, 110, 113, 101, 5].map(failureReason), ['refused', 'reset', 'reset', 'timeout', 'unreachable', 'unreachable', 'other']);
});

test('converts to lumen.tcp.* measurements in seconds; counters are summed per attribute set', () => {
  const conv = new TcpHealthConverter({
    clock: new MonotonicClock(), ownerPid: (e) => e.pid || undefined, service: () => undefined, processName: () => 'curl',
  });
  const events = [
    record(1, { value: 1_500_000, pid: 5 }), record(4, { value: 250_000 }),
    record(2, { err: 111 }), record(2, { err: 111 }), record(2, { err: 104 }),
    record(3, { segs: 3 }), record(3, { segs: 2 }), record(3, { segs: 1, pport: 80 }),
  ].map((b) => decodeTcpEvent(b, 0, TCP_EVENT_SIZE, addrs)!);
  const ms = conv.convert(events);
  const by = (metric: string) => ms.filter((m) => m.metric === metric);
  assert.equal(by('lumen.tcp.connect.duration')[0]!.value, 0.0015);
  assert.equal(by('lumen.tcp.connect.duration')[0]!.attributes['process.executable.name'], 'curl');
  assert.equal(by('lumen.tcp.rtt')[0]!.value, 0.00025);
  assert.deepEqual(by('lumen.tcp.failed.connections').map((m) => [m.attributes['reason'], m.value]), [['refused', 2], ['reset', 1]]);
  assert.deepEqual(by('lumen.tcp.retransmits').map((m) => [m.attributes['peer.port'], m.value]), [[443, 5], [80, 1]]);
});

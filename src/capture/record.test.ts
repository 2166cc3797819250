import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { bpfObjectPath } from '../bpf/paths.js';
import { KS_HEADER_SIZE, KS_OFF, KS_REASON, KS_REASON_AGGREGATED, KS_REASON_SAMPLED_OUT, decodeRecord } from './record.js';
import { formatAddress, formatV6 } from './addr.js';
import { MonotonicClock } from './clock.js';

/** struct member (C name) → the TS offset name; every member must be covered. */
const C_NAMES: Record<string, keyof typeof KS_OFF | '_pad' | 'req_content_length' | 'resp_content_length'> = {
  start_ns: 'start', end_ns: 'end', resp_start_ns: 'respStart', last_ns: 'last', req_bytes: 'reqBytes',
  resp_bytes: 'respBytes', req_content_length: 'reqCl', resp_content_length: 'respCl', sk: 'sk', tgid: 'tgid', fd: 'fd',
  seq: 'seq', req_head_len: 'reqHead', resp_head_len: 'respHead', req_len: 'reqLen', resp_len: 'respLen',
  laddr: 'laddr', raddr: 'raddr', lport: 'lport', rport: 'rport', family: 'family', status: 'status', role: 'role',
  reason: 'reason', method: 'method', flags: 'flags', proto: 'proto', tid: 'tid',
  trace_id: 'traceId', span_id: 'spanId', parent_id: 'parentId', connect_ns: 'connect',
};

for (const object of ['kernel_socket', 'kernel_socket_large']) {
  test(`record layout: TS offsets equal the BTF of ${object}.bpf.o`, (t) => {
    const path = bpfObjectPath(object);
    if (!existsSync(path)) return t.skip(`${path} not built (make -C bpf)`);
    const dump = execFileSync('bpftool', ['btf', 'dump', 'file', path], { encoding: 'utf8' });
    const m = /STRUCT 'ks_record' size=(\d+) vlen=(\d+)\n((?:\t.*\n)+)/.exec(dump);
    assert.ok(m, 'struct ks_record in BTF');
    assert.equal(Number(m[1]), KS_HEADER_SIZE);
    const members = [...m[3]!.matchAll(/'(\w+)' type_id=\d+ bits_offset=(\d+)/g)];
    assert.equal(members.length, Number(m[2]));
    for (const [, name, bits] of members) {
      const ts = C_NAMES[name!];
      assert.ok(ts, `member ${name} has no TS counterpart`);
      if (ts === '_pad') continue;
      assert.equal(KS_OFF[ts as keyof typeof KS_OFF], Number(bits) / 8, `offset of ${name}`);
    }
  });
}

function record(req: string, resp: string): Buffer {
  const b = Buffer.alloc(KS_HEADER_SIZE + req.length + resp.length);
  b.writeBigUInt64LE(1_000_000n, KS_OFF.start);
  b.writeBigUInt64LE(3_000_000n, KS_OFF.end);
  b.writeUInt32LE(42, KS_OFF.reqBytes);
  b.writeUInt32LE(1, KS_OFF.reqBytes + 4); // 2^32 + 42: u64 byte counts above 32 bits
  b.writeUInt32LE(4321, KS_OFF.tgid);
  b.writeInt32LE(7, KS_OFF.fd);
  b.writeUInt16LE(req.length, KS_OFF.reqLen);
  b.writeUInt16LE(resp.length, KS_OFF.respLen);
  b.writeUInt16LE(8080, KS_OFF.lport);
  b.writeUInt16LE(5555, KS_OFF.rport);
  b.writeUInt16LE(10, KS_OFF.family);
  b[KS_OFF.laddr + 15] = 1; // ::1
  Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3]).copy(b, KS_OFF.raddr);
  b.writeUInt16LE(200, KS_OFF.status);
  b[KS_OFF.role] = 1;
  b.write(req + resp, KS_HEADER_SIZE, 'latin1');
  return b;
}

test('decodeRecord: fields, captures as views, u64 sizes, bounds', () => {
  const b = record('GET / HTTP/1.1\r\n\r\n', 'HTTP/1.1 200 OK\r\n\r\n');
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const r = decodeRecord(view, b, 0, b.length)!;
  assert.equal(r.startNs, 1_000_000n);
  assert.equal(r.endNs, 3_000_000n);
  assert.equal(r.reqBytes, 2 ** 32 + 42);
  assert.deepEqual([r.tgid, r.fd, r.lport, r.rport, r.status, r.role, r.family], [4321, 7, 8080, 5555, 200, 1, 10]);
  assert.equal(r.request.toString(), 'GET / HTTP/1.1\r\n\r\n');
  assert.equal(r.response.toString(), 'HTTP/1.1 200 OK\r\n\r\n');
  assert.equal(r.request.buffer, b.buffer, 'no copy');
  assert.equal(formatAddress(b, r.laddrAt, r.family), '::1');
  assert.equal(formatAddress(b, r.raddrAt, r.family), '10.1.2.3', 'IPv4-mapped shown as IPv4');
  assert.equal(r.kernelTrace, undefined, 'no kernel trace context: user space makes the ids');
  Buffer.from('0af7651916cd43dd8448eb211c80319c' + 'b7ad6b7169203331' + '00f067aa0ba902b7', 'hex').copy(b, KS_OFF.traceId);
  assert.deepEqual(r.kernelTrace, { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', parentSpanId: '00f067aa0ba902b7' });
  b.fill(0, KS_OFF.parentId, KS_OFF.parentId + 8);
  assert.equal(decodeRecord(view, b, 0, b.length)!.kernelTrace?.parentSpanId, '', 'zero parent: a root');
  assert.equal(decodeRecord(view, b, 0, b.length - 1), undefined, 'captures past the record are refused');
  assert.equal(decodeRecord(view, b, 0, 100), undefined);
});

test('reason byte: the aggregated and sampled-out bits (as the C header defines them) apart from the reason', () => {
  const header = readFileSync(new URL('../../bpf/include/kernel_socket.h', import.meta.url), 'utf8');
  assert.equal(Number(/#define KS_REASON_AGGREGATED (0x[0-9a-f]+)/i.exec(header)?.[1]), KS_REASON_AGGREGATED);
  assert.equal(Number(/#define KS_REASON_SAMPLED_OUT (0x[0-9a-f]+)/i.exec(header)?.[1]), KS_REASON_SAMPLED_OUT);
  const b = record('GET / HTTP/1.1\r\n\r\n', 'HTTP/1.1 200 OK\r\n\r\n');
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  b[KS_OFF.reason] = KS_REASON.complete;
  let r = decodeRecord(view, b, 0, b.length)!;
  assert.deepEqual([r.reason, r.aggregated], [KS_REASON.complete, false]);
  b[KS_OFF.reason] = KS_REASON.close | KS_REASON_AGGREGATED;
  r = decodeRecord(view, b, 0, b.length)!;
  assert.deepEqual([r.reason, r.aggregated], [KS_REASON.close, true]);
  b[KS_OFF.reason] = KS_REASON.complete | KS_REASON_SAMPLED_OUT;
  r = decodeRecord(view, b, 0, b.length)!;
  assert.deepEqual([r.reason, r.aggregated, r.sampledOut], [KS_REASON.complete, false, true]);
});

test('addresses: IPv4 and RFC 5952 IPv6 text', () => {
  const v4 = Buffer.from([127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(formatAddress(v4, 0, 2), '127.0.0.1');
  const hex = (s: string) => Buffer.from(s.replace(/:/g, ''), 'hex');
  assert.equal(formatV6(hex('2001:0db8:0000:0000:0000:ff00:0042:8329'), 0), '2001:db8::ff00:42:8329');
  assert.equal(formatV6(hex('2001:0db8:0000:0001:0000:0000:0000:0001'), 0), '2001:db8:0:1::1');
  assert.equal(formatV6(hex('0000:0000:0000:0000:0000:0000:0000:0000'), 0), '::');
  assert.equal(formatV6(hex('fe80:0000:0000:0000:0202:b3ff:fe1e:8329'), 0), 'fe80::202:b3ff:fe1e:8329');
  assert.equal(formatV6(hex('2001:0db8:0000:0001:0001:0001:0001:0001'), 0), '2001:db8:0:1:1:1:1:1', 'a single zero group is not ::');
});

test('MonotonicClock: converts the probes\' clock to wall time within a millisecond', () => {
  const clock = new MonotonicClock();
  const wall = clock.toUnixNano(process.hrtime.bigint());
  const now = BigInt(Date.now()) * 1_000_000n;
  assert.ok(wall - now < 2_000_000n && now - wall < 2_000_000n, `${wall} vs ${now}`);
});

import { KS_HEADER_SIZE, KS_OFF, KS_REASON, KS_ROLE_SERVER } from '../../src/capture/record.js';

/**
 * kernel_socket ring-buffer batches as the native poll thread hands them to JS: `[u32 length][struct ks_record +
 * request capture + response capture]` back to back (bpf/include/kernel_socket.h), built here without BPF.
 * The captures are what the overhead benchmark's targets put on the wire (wrk's request; nginx's and Node's
 * response heads), cut at the default capture_bytes (256).
 */
export type Target = 'nginx' | 'node' | 'mixed';

const CAPTURE = 256;
const DATE = 'Tue, 25 Nov 2025 10:00:00 GMT';

interface Exchange {
  request: string;
  response: string;
  /** Response bytes on the wire (head + body; the body may not be in the capture). */
  responseBytes: number;
  lport: number;
}

const NGINX: Exchange = (() => {
  const head = `HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: ${DATE}\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n` +
    `Last-Modified: ${DATE}\r\nConnection: keep-alive\r\nETag: "6925700c-c"\r\nAccept-Ranges: bytes\r\n\r\n`;
  return { request: 'GET /small.txt HTTP/1.1\r\nHost: 127.0.0.1:19601\r\n\r\n', response: head, responseBytes: head.length + 12, lport: 19601 };
})();

const NODE: Exchange = (() => {
  const head = `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: ${DATE}\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nContent-Length: 5\r\n\r\n`;
  return { request: 'GET /hello HTTP/1.1\r\nHost: 127.0.0.1:19602\r\n\r\n', response: `${head}hello`, responseBytes: head.length + 5, lport: 19602 };
})();

/** A REST-like service: ids in paths (the routes heuristic classifies them), a query, a POST with a body. */
function apiExchange(i: number): Exchange {
  const id = (i * 7919) % 100_000;
  const paths = [`/users/${id}`, `/users/${id}/orders`, `/api/v1/items/${id}?fields=name,price`, '/health', `/orders/${id}`];
  const path = paths[i % paths.length]!;
  const post = i % 5 === 4;
  const request = post
    ? `POST ${path} HTTP/1.1\r\nHost: api.internal:8080\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\nContent-Type: application/json\r\nContent-Length: 27\r\n\r\n{"name":"x","price":12.5}\r\n`
    : `GET ${path} HTTP/1.1\r\nHost: api.internal:8080\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n`;
  const body = '{"id":1,"name":"x"}';
  const head = `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nDate: ${DATE}\r\nConnection: keep-alive\r\nContent-Length: ${body.length}\r\n\r\n`;
  return { request, response: head + body, responseBytes: head.length + body.length, lport: 8080 };
}

function exchangeFor(target: Target, i: number): Exchange {
  if (target === 'nginx') return NGINX;
  if (target === 'node') return NODE;
  return i % 3 === 0 ? NGINX : i % 3 === 1 ? NODE : apiExchange(i);
}

export const BENCH_TGID = 4242;

/** One record as the probe writes it into the ring buffer (complete server exchange over IPv4 loopback). */
export function encodeRecord(x: Exchange, i: number, startNs: bigint): Buffer {
  const req = Buffer.from(x.request, 'latin1').subarray(0, CAPTURE);
  const resp = Buffer.from(x.response, 'latin1').subarray(0, CAPTURE);
  const reqHead = x.request.indexOf('\r\n\r\n') + 4;
  const respHead = x.response.indexOf('\r\n\r\n') + 4;
  const b = Buffer.alloc(KS_HEADER_SIZE + req.length + resp.length);
  const end = startNs + 40_000n + BigInt(i % 97) * 1_000n;
  b.writeBigUInt64LE(startNs, KS_OFF.start);
  b.writeBigUInt64LE(end, KS_OFF.end);
  b.writeBigUInt64LE(end - 2_000n, KS_OFF.respStart);
  b.writeBigUInt64LE(end, KS_OFF.last);
  b.writeBigUInt64LE(BigInt(x.request.length), KS_OFF.reqBytes);
  b.writeBigUInt64LE(BigInt(x.responseBytes), KS_OFF.respBytes);
  const cl = /Content-Length: (\d+)/.exec(x.request);
  b.writeBigInt64LE(cl ? BigInt(cl[1]!) : -1n, KS_OFF.reqCl);
  b.writeBigInt64LE(BigInt(/Content-Length: (\d+)/.exec(x.response)![1]!), KS_OFF.respCl);
  b.writeBigUInt64LE(0xffff_8880_0000_0000n + BigInt(i % 50) * 0x1000n, KS_OFF.sk);
  b.writeUInt32LE(BENCH_TGID, KS_OFF.tgid);
  b.writeInt32LE(10 + (i % 50), KS_OFF.fd);
  b.writeUInt32LE(i, KS_OFF.seq);
  b.writeUInt32LE(reqHead, KS_OFF.reqHead);
  b.writeUInt32LE(respHead, KS_OFF.respHead);
  b.writeUInt16LE(req.length, KS_OFF.reqLen);
  b.writeUInt16LE(resp.length, KS_OFF.respLen);
  Buffer.from([127, 0, 0, 1]).copy(b, KS_OFF.laddr);
  Buffer.from([127, 0, 0, 1]).copy(b, KS_OFF.raddr);
  b.writeUInt16LE(x.lport, KS_OFF.lport);
  b.writeUInt16LE(40_000 + (i % 50), KS_OFF.rport); // wrk: 50 keep-alive connections
  b.writeUInt16LE(2, KS_OFF.family);
  b.writeUInt16LE(200, KS_OFF.status);
  b[KS_OFF.role] = KS_ROLE_SERVER;
  b[KS_OFF.reason] = KS_REASON.complete;
  b[KS_OFF.method] = x.request.startsWith('POST') ? 2 : 1;
  req.copy(b, KS_HEADER_SIZE);
  resp.copy(b, KS_HEADER_SIZE + req.length);
  return b;
}

/** `count` ring batches of `perBatch` records each, records numbered from 0 across batches. */
export function ringBatches(target: Target, count: number, perBatch: number, startNs: bigint): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  for (let n = 0; n < count; n++) {
    const parts: Buffer[] = [];
    for (let k = 0; k < perBatch; k++, i++) {
      const rec = encodeRecord(exchangeFor(target, i), i, startNs + BigInt(i) * 20_000n);
      const len = Buffer.alloc(4);
      len.writeUInt32LE(rec.length);
      parts.push(len, rec);
    }
    out.push(Buffer.concat(parts));
  }
  return out;
}

/**
 * Real HTTP/2 bytes for the parser tests: Node's own http2 (nghttp2: HPACK with Huffman and the dynamic table)
 * serving requests over a loopback TCP relay that records both directions, then compacted the way the kernel
 * forwards them (bpf/include/ks_http2.h: DATA and other payloads dropped, headers kept).
 */
import { createServer, connect as h2connect } from 'node:http2';
import { createServer as tcpServer, connect as tcpConnect, type AddressInfo } from 'node:net';
import { payloadKept } from '../frames.js';

/** Sent by the corpus's fourth request: its span continues this trace. */
export const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

export interface Truth {
  path: string;
  method: string;
  status: number;
  requestBytes: number;
  responseBytes: number;
}

export interface Corpus {
  /** Client → server bytes after the 24-byte preface, and server → client, compacted. */
  c2s: Buffer;
  s2c: Buffer;
  /** What each stream id carried. */
  truth: Map<number, Truth>;
}

/** Drops what the kernel does not forward: the payload of every frame payloadKept() says no to. */
export function compact(raw: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  while (at + 9 <= raw.length) {
    const len = raw.readUIntBE(at, 3);
    const type = raw[at + 3]!;
    out.push(raw.subarray(at, at + 9));
    if (payloadKept(type, len)) out.push(raw.subarray(at + 9, at + 9 + len));
    at += 9 + len;
  }
  return Buffer.concat(out);
}

export async function captureCorpus(requests = 24): Promise<Corpus> {
  const server = createServer();
  server.on('stream', (stream, headers) => {
    const path = String(headers[':path']);
    let n = 0;
    stream.on('data', (d: Buffer) => { n += d.length; });
    stream.on('end', () => {
      const status = path.includes('missing') ? 404 : 200;
      stream.respond({ ':status': status, 'content-type': 'text/plain', 'x-request-id': `id-${path}`, 'cache-control': 'no-store' });
      stream.end('x'.repeat(n + 3));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const target = (server.address() as AddressInfo).port;
  const c2s: Buffer[] = [];
  const s2c: Buffer[] = [];
  const relay = tcpServer((down) => {
    const up = tcpConnect(target, '127.0.0.1');
    down.on('data', (d: Buffer) => { c2s.push(Buffer.from(d)); up.write(d); });
    up.on('data', (d: Buffer) => { s2c.push(Buffer.from(d)); down.write(d); });
    down.on('close', () => up.destroy());
    up.on('close', () => down.destroy());
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
  const session = h2connect(`http://127.0.0.1:${(relay.address() as AddressInfo).port}`);
  const truth = new Map<number, Truth>();
  for (let i = 0; i < requests; i++) {
    const path = i % 5 === 4 ? `/missing/${i}` : `/api/items/${i % 3}?page=${i}`;
    const method = i % 2 ? 'POST' : 'GET';
    const body = method === 'POST' ? 'b'.repeat(10 + i) : '';
    const headers: Record<string, string> = { ':method': method, ':path': path, 'user-agent': 'lumen-corpus', 'x-trace': `t${i}` };
    if (i === 3) headers['traceparent'] = TRACEPARENT;
    const req = session.request(headers, { endStream: !body });
    if (body) req.end(body);
    const status = await new Promise<number>((resolve) => req.on('response', (h) => resolve(Number(h[':status']))));
    let got = 0;
    req.on('data', (d: Buffer) => { got += d.length; });
    await new Promise((r) => req.on('end', r));
    truth.set(req.id!, { path, method, status, requestBytes: body.length, responseBytes: got });
  }
  await new Promise<void>((r) => session.close(() => r()));
  await new Promise((r) => setTimeout(r, 50));
  relay.close();
  server.close();
  return { c2s: compact(Buffer.concat(c2s).subarray(24)), s2c: compact(Buffer.concat(s2c)), truth };
}

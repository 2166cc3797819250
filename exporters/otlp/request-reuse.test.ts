import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { connect, createServer, type AddressInfo } from 'node:net';
import { ExportQueue } from './export-queue.js';
import { httpTransport } from './transport-http.js';
import { grpcTransport } from './transport-grpc.js';
import { TraceRequestWriter } from './encode-traces-proto.js';
import type { OtlpSettings } from './settings.js';
import type { SendResult, Transport } from './transport.js';
import { testContext } from '../../test/support/context.js';
import { startOtlpCollector } from '../../test/support/otlp-collector.js';
import { sampleHttpSpan, sampleService } from '../../test/support/sample-spans.js';

/*
 * Request buffers are reused (TraceRequestWriter.recycle, fed by ExportQueue's `done`): that is exact only if the
 * queue hands a body back after the transport stopped reading it, once, and the transport's send settles only then.
 */

test('the queue hands each body back once, only after its send settled: sent, rejected, retried then sent, dropped at stop', async () => {
  const ctx = testContext('otlp');
  let inFlight: Uint8Array | undefined;
  const done: Uint8Array[] = [];
  const answers: SendResult[] = [{ ok: false, retryable: false, message: 'no' }, { ok: false, retryable: true, message: 'later' }, { ok: true }, { ok: true }];
  let release: (() => void) | undefined;
  const transport: Transport = {
    async send(_s, body) {
      inFlight = body;
      if (answers.length === 1) await new Promise<void>((r) => { release = r; }); // the last one stays in flight
      inFlight = undefined;
      return answers.shift()!;
    },
    close() {},
  };
  const queue = new ExportQueue({
    signal: 'traces', unit: 'spans', capacity: 100, dropOldest: false, transport, telemetry: ctx.telemetry, logger: ctx.logger,
    retry: { enabled: true, initialMs: 1, maxMs: 1, maxElapsedMs: 1000, multiplier: 1, randomization: 0 },
    done: (body) => {
      assert.notEqual(body, inFlight, 'handed back while its send was in flight');
      assert.ok(!done.includes(body), 'handed back twice');
      done.push(body);
    },
  });
  const bodies = [0, 1, 2, 3].map((i) => new Uint8Array([i]));
  queue.offer(1, 1, () => bodies[0]!); // rejected
  queue.offer(1, 1, () => bodies[1]!); // retried, then sent
  assert.equal(await queue.drain(2000), false); // a retryable failure ends a drain
  assert.equal(await queue.drain(2000), true);
  assert.deepEqual(done, [bodies[0], bodies[1]]);
  queue.offer(1, 1, () => bodies[2]!); // in flight at stop
  queue.offer(1, 1, () => bodies[3]!); // queued at stop: dropped
  while (!release) await new Promise((r) => setTimeout(r, 1));
  queue.stop();
  assert.deepEqual(done, [bodies[0], bodies[1], bodies[3]]);
  release();
  await queue.settled(2000);
  assert.deepEqual(done, [bodies[0], bodies[1], bodies[3], bodies[2]]);
});

test('http transport: a collector that answers before reading the body — send settles only once the whole body was written', async () => {
  // A raw server: answers 200 as soon as the request head is in, reads nothing for 300 ms, then the body.
  let received: Promise<string> | undefined;
  const server = createServer((sock) => {
    received = new Promise((resolve) => {
      let head = Buffer.alloc(0);
      let left = -1;
      const hash = createHash('sha256');
      const onData = (d: Buffer) => {
        if (left < 0) {
          head = Buffer.concat([head, d]);
          const end = head.indexOf('\r\n\r\n');
          if (end < 0) return;
          sock.write('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');
          sock.pause();
          setTimeout(() => sock.resume(), 300);
          left = Number(/content-length: (\d+)/i.exec(head.subarray(0, end).toString())![1]);
          d = head.subarray(end + 4);
        }
        hash.update(d.subarray(0, left));
        left -= Math.min(left, d.length);
        if (left === 0) resolve(hash.digest('hex'));
      };
      sock.on('data', onData);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const settings = { protocol: 'http/protobuf', tracesUrl: `http://127.0.0.1:${port}/v1/traces`, metricsUrl: '', headers: {}, insecure: true,
    tls: { rejectUnauthorized: true }, timeoutMs: 10_000, gzip: false } as unknown as OtlpSettings;
  const transport = httpTransport(settings);
  try {
    const body = Buffer.alloc(24 * 1024 * 1024, 7); // more than the socket buffers hold
    const sent = createHash('sha256').update(body).digest('hex');
    const r = await transport.send('traces', body);
    assert.equal(r.ok, true);
    body.fill(0xff); // reused at once, as the trace writer does
    assert.equal(await received, sent, 'the collector got bytes written into the body after send settled');
  } finally {
    transport.close();
    server.close();
  }
});

test('grpc transport: a collector that stalls reading — each body, reused as soon as its send settled, arrives as encoded (identity and gzip)', async () => {
  // The real collector (grpc-js server, real protos) behind a proxy that stops reading the client for 300 ms at the
  // start of every connection: the first call waits for its connection, then its 3 MiB body for flow control.
  const collector = await startOtlpCollector({ grpcPort: 0, httpPort: 0 }); // free ports: engineers run this file at once
  let wire = 0; // bytes the client sent
  const proxy = createServer((client) => {
    const upstream = connect(collector.grpcPort, '127.0.0.1');
    client.pause();
    client.on('data', (d: Buffer) => { wire += d.length; });
    setTimeout(() => client.pipe(upstream), 300);
    upstream.pipe(client);
    const end = () => { client.destroy(); upstream.destroy(); };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const service = sampleService('reuse', 1);
  try {
    let seq = 0;
    const sent: string[] = [];
    const wireBytes: number[] = [];
    for (const gzip of [false, true]) {
      wire = 0;
      const settings = { protocol: 'grpc', tracesUrl: url, metricsUrl: url, headers: {}, insecure: true,
        tls: { rejectUnauthorized: true }, timeoutMs: 20_000, gzip } as unknown as OtlpSettings;
      const transport = grpcTransport(settings);
      const writer = new TraceRequestWriter('h');
      let first: ArrayBufferLike | undefined;
      try {
        for (let round = 0; round < 3; round++) {
          for (let i = 0; i < 8_000; i++) { // ~3.3 MB: under the collector's 4 MiB limit
            const span = sampleHttpSpan(service, { seq: ++seq }); // every request the same size
            writer.add(span);
            sent.push(span.trace.spanId);
          }
          const body = writer.finish();
          if (round === 0) first = body.buffer;
          else assert.ok(body.buffer === first, 'the writer reused the first request\'s buffer');
          const r = await transport.send('traces', body);
          assert.equal(r.ok, true, JSON.stringify(r));
          writer.recycle(body); // the next request is written into these bytes at once
        }
        // (a transport that settled early would still have calls out: let them arrive before closing it)
        for (const until = Date.now() + 20_000; collector.counts.requests < (gzip ? 6 : 3) && Date.now() < until;) await new Promise((r) => setTimeout(r, 20));
      } finally {
        transport.close();
      }
      wireBytes.push(wire);
    }
    await collector.decoded();
    const got = collector.spans().map((s) => s.spanId);
    assert.equal(got.length, sent.length);
    assert.ok(got.every((id, i) => id === sent[i]), 'the collector decoded exactly the spans of each request, in order');
    // grpc-js compresses asynchronously (zlib reads our buffer on the thread pool): the case where it copies late.
    assert.ok(wireBytes[1]! * 3 < wireBytes[0]!, `gzip compressed on the wire: ${wireBytes.join(' vs ')} bytes`);
  } finally {
    proxy.close();
    await collector.stop();
  }
});

import { createServer } from 'node:http';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { gunzipSync } from 'node:zlib';
import { countRecords, decodeExportRequest } from '../../test/support/otlp-collector.js';
import { countSpansOnTheWire } from './otlp-wire-count.js';

/** Every DECODE_EVERY-th protobuf traces request (and the first) is also decoded in full and must give the same count. */
const DECODE_EVERY = 50;

/**
 * The benchmark's OTLP/HTTP collector (its own process): the main thread reads each request and acks it at once,
 * as a production collector does; a worker thread counts its spans. Protobuf traces are counted on the wire
 * (otlp-wire-count.ts) — a collector elsewhere would not take its decoding CPU from the measured server — and one
 * request in DECODE_EVERY is also decoded in full with the real opentelemetry-proto definitions and checked against
 * that count (a mismatch or a decode failure counts as an error). Metrics and JSON bodies are always decoded in full.
 * stdin: any line → prints {"requests","spans","points","errors"} once everything received so far is decoded.
 */
if (isMainThread) {
  const port = Number(process.argv[2]);
  // A TypeScript worker: register tsx inside it, then load this same file (its worker branch).
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;
  const worker = new Worker(boot, { eval: true });
  let posted = 0;
  let counts = { requests: 0, spans: 0, points: 0, errors: 0 };
  const waiting: (() => void)[] = [];
  worker.on('message', (c: typeof counts) => {
    counts = c;
    if (c.requests + c.errors >= posted) for (const f of waiting.splice(0)) f();
  });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const signal = req.url === '/v1/traces' ? 'traces' : req.url === '/v1/metrics' ? 'metrics' : undefined;
      if (!signal) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      posted++;
      const body = Buffer.concat(chunks);
      worker.postMessage({ signal, json: (req.headers['content-type'] ?? '').startsWith('application/json'), gzip: req.headers['content-encoding'] === 'gzip', body }, [body.buffer]);
    });
  });
  server.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
  process.stdin.on('data', () => {
    const report = () => process.stdout.write(`${JSON.stringify(counts)}\n`);
    if (counts.requests + counts.errors >= posted) report();
    else waiting.push(report);
  });
  process.stdin.on('end', () => {
    server.close();
    void worker.terminate().then(() => process.exit(0));
  });
} else {
  const counts = { requests: 0, spans: 0, points: 0, errors: 0 };
  let wireCounted = 0;
  parentPort!.on('message', (m: { signal: 'traces' | 'metrics'; json: boolean; gzip: boolean; body: Uint8Array }) => {
    try {
      const body = Buffer.from(m.body);
      let n: number;
      if (m.signal === 'traces' && !m.json) {
        n = countSpansOnTheWire(m.gzip ? gunzipSync(body) : body);
        if (wireCounted++ % DECODE_EVERY === 0 && countRecords('traces', decodeExportRequest('traces', body, m)) !== n) throw new Error('wire count differs from the decoded count');
      } else {
        n = countRecords(m.signal, decodeExportRequest(m.signal, body, m));
      }
      if (m.signal === 'traces') counts.spans += n;
      else counts.points += n;
      counts.requests++;
    } catch {
      counts.errors++;
    }
    parentPort!.postMessage(counts);
  });
}

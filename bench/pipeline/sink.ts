import { createServer } from 'node:http';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { countRecords, decodeExportRequest } from '../../test/support/otlp-collector.js';

/**
 * The benchmark's OTLP/HTTP collector (its own process, on the other core): the main thread reads each request
 * and acks it at once, as a production collector does; a worker thread decodes every body with the real
 * opentelemetry-proto definitions and counts spans, so this slow reflection decoder never sets the pace.
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
  parentPort!.on('message', (m: { signal: 'traces' | 'metrics'; json: boolean; gzip: boolean; body: Uint8Array }) => {
    try {
      const n = countRecords(m.signal, decodeExportRequest(m.signal, Buffer.from(m.body), m));
      if (m.signal === 'traces') counts.spans += n;
      else counts.points += n;
      counts.requests++;
    } catch {
      counts.errors++;
    }
    parentPort!.postMessage(counts);
  });
}

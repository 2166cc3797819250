// Embedding Lumen in a Node program: a custom receiver that turns this program's own HTTP requests into
// spans, a custom exporter that keeps per-route latency statistics, and the built-in pipeline in between.
//   node examples/embed/main.mjs [port]      (build first: npm run build)
// It serves a few requests to itself, stops the agent and prints the exporter's summary as JSON on stdout.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { Subject } from 'rxjs';
import { createAgent, spanBatch } from 'lumen';

const port = Number(process.argv[2] ?? 19150);

/** Receiver: observes an http.Server of this process and emits one server span per completed request. */
function httpServerReceiver(server) {
  return {
    type: 'own_http_server',
    kind: 'receiver',
    signals: ['traces', 'metrics'],
    schema: { type: 'object', additionalProperties: false, properties: { service_name: { type: 'string', default: 'embedded-app' } } },
    defaultConfig: () => ({ service_name: 'embedded-app' }),
    create(config, ctx) {
      const output = new Subject();
      const service = Object.freeze({
        name: config.service_name, namespace: 'examples', instanceId: `${ctx.hostName}:${process.pid}`,
        process: Object.freeze({ pid: process.pid, exe: process.execPath, cmdline: process.argv.join(' '), language: 'nodejs' }),
        attributes: Object.freeze({}),
      });
      const onRequest = (req, res) => {
        const start = process.hrtime.bigint();
        const startUnixNano = BigInt(Date.now()) * 1_000_000n;
        res.on('finish', () => {
          const url = new URL(req.url, 'http://localhost');
          output.next(spanBatch([{
            kind: 'server', protocol: 'http', startUnixNano, endUnixNano: startUnixNano + (process.hrtime.bigint() - start), service,
            connection: { peerAddress: req.socket.remoteAddress ?? '', peerPort: req.socket.remotePort ?? 0, hostAddress: req.socket.localAddress ?? '', hostPort: req.socket.localPort ?? 0 },
            trace: { traceId: randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex'), parentSpanId: '', flags: 1 },
            name: '',
            http: { method: req.method, path: url.pathname, query: url.search.slice(1), route: '', status: res.statusCode, scheme: 'http', requestBodySize: 0, responseBodySize: Number(res.getHeader('content-length') ?? 0), host: req.headers.host ?? '' },
            attributes: {},
          }]));
        });
      };
      return {
        output,
        async start() { server.on('request', onRequest); },
        async shutdown() { server.off('request', onRequest); output.complete(); },
      };
    },
  };
}

/** Exporter: count, errors and max latency per "METHOD path" — a stand-in for shipping spans to your own backend. */
function latencySummaryExporter(summary) {
  return {
    type: 'latency_summary',
    kind: 'exporter',
    signals: ['traces'],
    schema: { type: 'object', additionalProperties: false, properties: {} },
    defaultConfig: () => ({}),
    create() {
      return {
        async start() {},
        consume(batch) {
          if (batch.kind !== 'spans') return;
          for (const s of batch.items) {
            const key = `${s.http.method} ${s.http.path}`;
            const e = (summary[key] ??= { count: 0, errors: 0, maxMs: 0 });
            e.count++;
            if (s.http.status >= 500) e.errors++;
            e.maxMs = Math.max(e.maxMs, Number(s.endUnixNano - s.startUnixNano) / 1e6);
          }
        },
        async forceFlush() {},
        async shutdown() {},
      };
    },
  };
}

const server = http.createServer((req, res) => {
  const status = req.url.startsWith('/fail') ? 500 : 200;
  const body = JSON.stringify({ ok: status === 200 });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
});
const summary = {};

const agent = createAgent({
  // The same shape as pipelines.yaml; YAML text works too.
  config: {
    receivers: { own_http_server: { service_name: 'embedded-app' } },
    exporters: { latency_summary: {} },
    service: {
      telemetry: { logs: { level: 'warn' } },
      pipelines: { traces: { receivers: ['own_http_server'], exporters: ['latency_summary'] } },
    },
  },
  components: [httpServerReceiver(server), latencySummaryExporter(summary)],
});

let tapped = 0;
agent.spans$.subscribe((tap) => { if (tap.stage === 'processed') tapped += tap.spans.length; });

await agent.start();
await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
for (const path of ['/', '/users', '/users', '/fail']) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  await res.text();
}
await new Promise((resolve) => server.close(resolve));
await agent.stop();

process.stdout.write(`${JSON.stringify({ summary, tapped, internal: agent.internalMetrics.collect().filter((p) => p.name === 'lumen_receiver_received_items_total').map((p) => p.value) })}\n`);

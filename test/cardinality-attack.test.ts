/**
 * Issue #11 item 1, as an attacker does it: `node bin/lumen.js run` with the default pipelines.yaml (kernel_socket
 * → routes → print_traces / prometheus) watches a real node HTTP server while a client sends it 60 s of
 * word-like random paths (`/<word>/<word>`, which the route heuristic keeps whole) and, on every other request,
 * a word-like random Host header (server.address, a label of every HTTP metric). Before the bounds, this took
 * the agent to 95k series, a 363 MB scrape, then HTTP 500 on /metrics and 2.6 GB RSS.
 *
 * What must hold: /metrics answers 200 at every scrape and stays under SCRAPE_BYTES_MAX, the agent's RSS stays
 * under RSS_MAX, the route budget of the server's service holds (500 routes + the overflow route), the series
 * budget holds (10,000) and drops are counted under reason="max_series", and each bound logs one WARN.
 * The compiled agent (dist/) runs here: build first (`bash scripts/build.sh`), as CI's setup does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, get, request } from 'node:http';
import { RouteHeuristic } from '../processors/routes/heuristic.js';

const ROOT = new URL('..', import.meta.url).pathname;
const SERVER_PORT = 19440;
const METRICS = '127.0.0.1:19441';
const SERVICE = 'cardinality-attack-target';
const ATTACK_MS = 60_000;
const CONCURRENCY = 16;
/** Bounds asserted. Measured: largest scrape 42.4 MiB (10,000 series; all of them 18-line duration histograms would be ~60 MB), agent RSS 162 MiB max. */
const SCRAPE_BYTES_MAX = 64 * 1024 * 1024;
const RSS_MAX_BYTES = 300 * 1024 * 1024;
const MAX_SERIES = 10_000;
const MAX_ROUTES = 500;

/** Word-like tokens from syllables: 24^3 of them, and the bigram model reads (nearly) all as words. */
const SYLLABLES = ['ba', 'be', 'ca', 'de', 'fo', 'ga', 'la', 'li', 'ma', 'me', 'mi', 'na', 'ne', 'no', 'po', 'ra', 're', 'ri', 'sa', 'se', 'ta', 'te', 'to', 'vi'];
let seed = 12345;
const rnd = (n: number) => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed % n;
};
const word = () => SYLLABLES[rnd(24)]! + SYLLABLES[rnd(24)]! + SYLLABLES[rnd(24)]!;

interface Scrape { status: number; bytes: number; lumen: string[]; routes: Set<string> }

/** Streams one scrape: counts its bytes, keeps only the lumen_* lines and the server's http_route values. */
function scrape(): Promise<Scrape> {
  return new Promise((resolve, reject) => {
    get(`http://${METRICS}/metrics`, { agent: false }, (res) => {
      const out: Scrape = { status: res.statusCode!, bytes: 0, lumen: [], routes: new Set() };
      let rest = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        out.bytes += Buffer.byteLength(d);
        const lines = (rest + d).split('\n');
        rest = lines.pop()!;
        for (const l of lines) {
          if (l.startsWith('lumen_')) out.lumen.push(l);
          else if (l.startsWith('http_server_request_duration_seconds_count{') && l.includes(`service_name="${SERVICE}"`)) {
            const m = /http_route="([^"]*)"/.exec(l);
            if (m) out.routes.add(m[1]!);
          }
        }
      });
      res.on('end', () => resolve(out));
      res.on('error', reject);
    }).on('error', reject);
  });
}

/** Sum of an internal metric's samples whose label text contains `labels`. */
function internal(s: Scrape, name: string, labels = ''): number {
  return s.lumen.filter((l) => l.startsWith(`${name}{`) && l.includes(labels)).reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function exited(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code, signal) => resolve(code ?? (signal === 'SIGKILL' ? 137 : 143)));
  });
}

test('60 s of word-like random paths and Hosts through the default pipelines.yaml: /metrics stays 200 and bounded, RSS bounded, both bounds hit, counted and warned once', { timeout: 240_000 }, async (t) => {
  const heuristic = new RouteHeuristic();
  const sample = Array.from({ length: 200 }, () => `/${word()}/${word()}`);
  const kept = sample.filter((p) => heuristic.classify(p) === p).length;
  assert.ok(kept >= 190, `the attack paths must be ones the heuristic keeps whole (${kept}/200 are)`);

  const server = spawn(process.execPath, ['-e', `require('node:http').createServer((q, s) => s.end('ok')).listen(${SERVER_PORT}, '127.0.0.1')`], {
    env: { ...process.env, OTEL_SERVICE_NAME: SERVICE }, stdio: 'ignore',
  });
  t.after(async () => {
    server.kill('SIGKILL');
    await exited(server);
  });
  const env: NodeJS.ProcessEnv = { ...process.env, LUMEN_PROMETHEUS_ENDPOINT: METRICS };
  delete env['LUMEN_CONFIG'];
  delete env['OTEL_EBPF_CONFIG_PATH'];
  const agent = spawn(process.execPath, ['bin/lumen.js', 'run'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdoutLines = 0;
  agent.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  // print_traces writes a line per request: count them, keep none.
  agent.stdout!.on('data', (d: Buffer) => { for (const b of d) if (b === 10) stdoutLines++; });
  const agentExit = exited(agent);
  t.after(async () => {
    if (agent.exitCode === null) agent.kill('SIGKILL');
    await agentExit;
  });
  for (let i = 0; i < 300 && !stderr.includes('lumen started'); i++) {
    if (agent.exitCode !== null) assert.fail(`the agent exited ${agent.exitCode}:\n${stderr}`);
    await sleep(100);
  }
  assert.ok(stderr.includes('lumen started'), stderr);

  const keepAlive = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  t.after(() => keepAlive.destroy());
  const send = (path: string, host?: string) => new Promise<void>((resolve) => {
    const req = request({ host: '127.0.0.1', port: SERVER_PORT, path, agent: keepAlive, headers: host ? { host } : {} }, (res) => {
      res.resume();
      res.on('end', resolve);
      res.on('error', () => resolve());
    });
    req.on('error', () => resolve());
    req.end();
  });
  // Discovery picks the server up within a few seconds: the attack starts once its requests are traced.
  for (let i = 0; i < 60; i++) {
    await send('/ready');
    if ((await scrape()).routes.has('/ready')) break;
    await sleep(500);
  }
  assert.ok((await scrape()).routes.has('/ready'), `the server was never instrumented:\n${stderr.slice(-3000)}`);

  let requests = 0;
  let maxRss = 0;
  const scrapes: Scrape[] = [];
  const start = Date.now();
  const end = start + ATTACK_MS;
  const clients = Array.from({ length: CONCURRENCY }, async () => {
    while (Date.now() < end) {
      await send(`/${word()}/${word()}`, requests % 2 ? `${word()}.example` : undefined);
      requests++;
    }
  });
  const watch = (async () => {
    while (Date.now() < end) {
      maxRss = Math.max(maxRss, rssBytes(agent.pid!));
      await sleep(1000);
    }
  })();
  const scraper = (async () => {
    while (Date.now() < end) {
      await sleep(5000);
      scrapes.push(await scrape());
      maxRss = Math.max(maxRss, rssBytes(agent.pid!));
    }
  })();
  await Promise.all([...clients, watch, scraper]);
  const seconds = (Date.now() - start) / 1000;
  await sleep(2000); // the last requests' spans reach the exporter
  const last = await scrape();
  scrapes.push(last);
  maxRss = Math.max(maxRss, rssBytes(agent.pid!));

  const maxBytes = Math.max(...scrapes.map((s) => s.bytes));
  const series = internal(last, 'lumen_metrics_series');
  const dropped = internal(last, 'lumen_metrics_series_dropped_total', 'reason="max_series"');
  const overflowed = internal(last, 'lumen_routes_overflow_total');
  t.diagnostic(`${requests} requests in ${seconds.toFixed(1)} s (${(requests / seconds).toFixed(0)} req/s), ${stdoutLines} trace lines`);
  t.diagnostic(`scrapes: ${scrapes.length}, all ${[...new Set(scrapes.map((s) => s.status))].join('/')}, largest ${(maxBytes / 2 ** 20).toFixed(1)} MiB; agent RSS max ${(maxRss / 2 ** 20).toFixed(0)} MiB`);
  t.diagnostic(`series held ${series}, dropped (max_series) ${dropped}, evicted ${internal(last, 'lumen_metrics_series_evicted_total')}, route overflows ${overflowed}, routes of the server ${last.routes.size}`);

  assert.ok(requests > 20_000, `the attack must be real: only ${requests} requests`);
  for (const s of scrapes) assert.equal(s.status, 200);
  assert.ok(maxBytes < SCRAPE_BYTES_MAX, `largest scrape ${maxBytes} bytes`);
  assert.ok(maxRss < RSS_MAX_BYTES, `agent RSS reached ${maxRss} bytes`);
  // The route budget: at most the server's 500 routes and the overflow route (/ready, idle since the warm-up,
  // may have been evicted by the full series budget by now).
  assert.ok(last.routes.size <= MAX_ROUTES + 1, `${last.routes.size} routes`);
  assert.ok(last.routes.has('/**'), `no overflow route among ${[...last.routes].slice(0, 20).join(' ')} …`);
  assert.ok(overflowed > 0);
  // The series budget: full, holding, and what it refused is counted; Lumen's own metrics are still served.
  assert.ok(series > 0 && series <= MAX_SERIES, `${series} series`);
  assert.ok(dropped > 0, 'lumen_metrics_series_dropped_total{reason="max_series"} must have moved');
  assert.ok(internal(last, 'lumen_kernel_socket_spans_total') > 0);
  // One WARN per bound: the series budget of the prometheus exporter; the route budget of the server's service
  // once — both pipelines run the same routes processor on the same spans (the fan-out shares them), so the first
  // to route a span decides; the other pipeline's instance warns too only if it had to route spans alone (a batch
  // the first pipeline's full queue dropped).
  const warns = stderr.split('\n').filter((l) => /WARN/.test(l));
  assert.equal(warns.filter((l) => l.includes('exporters.prometheus.max_series (10000) reached')).length, 1, warns.join('\n'));
  const routeWarns = warns.filter((l) => l.includes(`service ${SERVICE} reached processors.routes.max_routes_per_service`)).length;
  assert.ok(routeWarns === 1 || routeWarns === 2, warns.join('\n'));

  agent.kill('SIGTERM');
  assert.equal(await agentExit, 0, stderr.slice(-2000));
});

/**
 * The shipped Grafana dashboards and Prometheus alert rules against the real thing: nginx (proxying /api/ to a
 * python http.server) takes HTTP traffic, two `lumen run` agents (default names; Beyla's names with
 * metric_names: legacy and metric_prefix: beyla) trace it with kernel_socket and count loopback flows with
 * network_flow, one real Prometheus scrapes both, and every panel query of every dashboard must return data.
 * Ports 20210-20229.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnLumen, type CliRun } from './support/cli-process.js';
import { startPrometheus, type PrometheusServer } from './support/prometheus-server.js';
import { sleep, startProc, stopAllProcs, tempDir, waitForPort, writeNginxConf, type Proc } from '../receivers/kernel_socket/test/support.js';
import { DASHBOARD_DIR, MODES, render } from '../deploy/grafana/generate.js';

const NGINX = 20210;
const BACKEND = 20211;
const PROM = 20212;
const AGENTS = { 'lumen-red.json': 20213, 'beyla-legacy-red.json': 20214 } as const;
const NAMING = { 'lumen-red.json': 'metric_names: semconv, metric_prefix: lumen', 'beyla-legacy-red.json': 'metric_names: legacy, metric_prefix: beyla' } as const;
const BACKEND_NAME = 'dash-backend';
const RULES = join(DASHBOARD_DIR, '..', '..', 'prometheus');

after(stopAllProcs);

/** nginx must stop with SIGTERM: a SIGKILLed master leaves its worker behind, holding the test's pipes open. */
function startNginx(): Proc {
  const dir = tempDir('dash-nginx');
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'www'));
  const conf = writeNginxConf(dir, {
    connections: 256,
    server: `    listen 127.0.0.1:${NGINX};
    root ${dir}/www;
    location /api/ { proxy_pass http://127.0.0.1:${BACKEND}/; proxy_http_version 1.1; proxy_set_header Connection ""; }
    location /status/500 { return 500 "boom"; }
    location /users/ { return 200 "user"; }`,
  });
  return startProc('/usr/sbin/nginx', ['-p', dir, '-c', conf]);
}

function startBackend(): void {
  const dir = tempDir('dash-backend');
  writeFileSync(join(dir, 'hello.txt'), 'hello world');
  startProc('python3', ['-m', 'http.server', String(BACKEND), '--bind', '127.0.0.1', '--directory', dir], { env: { OTEL_SERVICE_NAME: BACKEND_NAME } });
}

function startAgent(file: keyof typeof AGENTS): CliRun {
  const dir = tempDir('dash-agent');
  const config = join(dir, 'pipelines.yaml');
  writeFileSync(config, `
discovery:
  instrument: [{ open_ports: "${NGINX},${BACKEND}" }]
receivers:
  kernel_socket: {}
  network_flow: { interfaces: [lo], cache_active_timeout: 1s, cache_inactive_timeout: 1s, tcp_health: { enabled: false } }
processors:
  routes: { unmatched: heuristic }
exporters:
  prometheus: { endpoint: "127.0.0.1:${AGENTS[file]}", ${NAMING[file]} }
service:
  pipelines:
    metrics: { receivers: [kernel_socket], processors: [routes], exporters: [prometheus] }
    flows: { receivers: [network_flow], exporters: [prometheus] }
`);
  return spawnLumen(['run', '-c', config]);
}

/** Served 200s, proxied calls (client spans from nginx: 200 and 404), 500s and a few routes with ids. */
async function traffic(stop: { done: boolean }): Promise<void> {
  const paths = ['/api/hello.txt', '/api/hello.txt', '/api/missing', '/status/500', '/users/17/orders', '/users/42/orders', '/api/hello.txt'];
  for (let i = 0; !stop.done; i++) {
    try {
      await (await fetch(`http://127.0.0.1:${NGINX}${paths[i % paths.length]}`)).arrayBuffer();
    } catch { /* a refused request early on is fine: the loop goes on */ }
    if (i % paths.length === 0) await sleep(20);
  }
}

interface Query { readonly panel: string; readonly expr: string }

/** Every target expression of every panel, with the dashboard variables as a user picking our services would set them. */
function panelQueries(file: string): Query[] {
  const d = JSON.parse(readFileSync(join(DASHBOARD_DIR, file), 'utf8')) as { panels: { title: string; targets: { expr: string }[] }[] };
  return d.panels.flatMap((p) => p.targets.map((t) => ({
    panel: p.title,
    expr: t.expr.replaceAll('$service', `nginx|${BACKEND_NAME}`).replaceAll('$__rate_interval', '30s'),
  })));
}

async function waitForAll(prom: PrometheusServer, queries: readonly Query[], timeoutMs: number): Promise<Map<Query, string>> {
  const deadline = Date.now() + timeoutMs;
  const failing = new Map<Query, string>(queries.map((q) => [q, 'not run']));
  while (failing.size > 0 && Date.now() < deadline) {
    for (const q of [...failing.keys()]) {
      try {
        const r = await prom.query(q.expr);
        if (r.length > 0 && r.some((s) => Number.isFinite(Number(s.value[1])))) failing.delete(q);
        else failing.set(q, `no data: ${JSON.stringify(r).slice(0, 300)}`);
      } catch (e) {
        failing.set(q, (e as Error).message); // a query Prometheus refuses never recovers, but keep the report uniform
      }
    }
    if (failing.size > 0) await sleep(1000);
  }
  return failing;
}

test('the committed dashboards are what deploy/grafana/generate.ts writes', () => {
  for (const file of Object.keys(MODES)) assert.equal(readFileSync(join(DASHBOARD_DIR, file), 'utf8'), render(file), `${file}: run node --import tsx deploy/grafana/generate.ts`);
});

test('the alert rules pass promtool check rules and their promtool unit tests', () => {
  const check = execFileSync('promtool', ['check', 'rules', 'alerts.yaml', 'alerts-beyla-legacy.yaml'], { cwd: RULES, encoding: 'utf8' });
  assert.match(check, /SUCCESS: 2 rules found[\s\S]*SUCCESS: 2 rules found/);
  const unit = execFileSync('promtool', ['test', 'rules', 'alerts.test.yaml'], { cwd: RULES, encoding: 'utf8' });
  assert.match(unit, /SUCCESS/);
});

test('every panel query of both dashboards returns data from a real Prometheus scraping lumen run under HTTP traffic', { timeout: 240_000 }, async (t) => {
  startBackend();
  const nginx = startNginx();
  t.after(() => nginx.kill('SIGTERM'));
  await Promise.all([waitForPort(NGINX), waitForPort(BACKEND)]);
  const agents = (Object.keys(AGENTS) as (keyof typeof AGENTS)[]).map(startAgent);
  const prom = await startPrometheus({ port: PROM, targets: Object.values(AGENTS).map((p) => `127.0.0.1:${p}`), honorLabels: false });
  const stop = { done: false };
  let load: Promise<void> | undefined;
  try {
    await Promise.all(agents.map((a) => a.waitFor((r) => r.stderr.includes('lumen started'), 60_000)));
    load = traffic(stop);
    const started = Date.now();
    const queries = Object.keys(AGENTS).flatMap((file) => panelQueries(file).map((q) => ({ ...q, panel: `${file}: ${q.panel}` })));
    // Beyla-style PromQL a user would paste, in legacy mode.
    const beyla: Query[] = [
      { panel: 'beyla: requests by http_target', expr: 'sum(rate(http_server_duration_seconds_count[5m])) by (http_target)' },
      { panel: 'beyla: flow bytes', expr: 'beyla_network_flow_bytes_total' },
    ];
    const failing = await waitForAll(prom, [...queries, ...beyla], 90_000);
    t.diagnostic(`${queries.length + beyla.length} queries, all with data after ${Date.now() - started} ms of traffic`);
    assert.deepEqual([...failing].map(([q, why]) => `${q.panel}: ${q.expr} → ${why}`), []);
    const targets = await prom.query('sum(rate(http_server_duration_seconds_count[5m])) by (http_target)');
    assert.ok(targets.some((s) => s.metric['http_target'] === '/hello.txt'), `http_target carries the path: ${JSON.stringify(targets)}`);
    // Each agent exports only its own mode's names.
    const legacy = `instance="127.0.0.1:${AGENTS['beyla-legacy-red.json']}"`;
    const semconv = `instance="127.0.0.1:${AGENTS['lumen-red.json']}"`;
    assert.deepEqual(await prom.query(`{__name__=~"http_server_request_duration_seconds_count|lumen_network_flow_bytes_total", ${legacy}}`), []);
    assert.deepEqual(await prom.query(`{__name__=~"http_server_duration_seconds_count|beyla_network_flow_bytes_total", ${semconv}}`), []);
  } finally {
    stop.done = true;
    await load;
    await prom.stop();
    for (const a of agents) a.child.kill('SIGTERM');
    const codes = await Promise.all(agents.map((a) => a.exited));
    assert.deepEqual(codes, [0, 0], agents.map((a) => a.stderr.slice(-1500)).join('\n---\n'));
  }
});

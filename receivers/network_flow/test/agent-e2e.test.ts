/**
 * The whole agent (`lumen run`) with network_flow → attributes → prometheus and → print_flows, inside a namespace:
 * what Prometheus would scrape matches the loopback counters, TCP connect times are exported, flows are printed.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { background, counters, inNs, removePair, sh, sleep, within, killLeftovers } from './netns.js';
import { cleanUp } from '../../../test/support/cleanup.js';

after(killLeftovers); // a harness a failed test did not stop must not keep this file alive

const root = process.getuid?.() === 0;
const HTTP_PORT = 19722;
const PROM_PORT = 19721;
const NS = 'nf_e2e';

function scrape(): string {
  return inNs(NS, 'curl', ['-s', '--max-time', '2', `http://127.0.0.1:${PROM_PORT}/metrics`]);
}

/** Sum of the samples of `family` whose labels include every `labels` pair. */
function sample(text: string, family: string, labels: Record<string, string>): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${family}{`) && !line.startsWith(`${family} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

test('lumen run: flows and TCP health reach the Prometheus endpoint and print_flows', { skip: !root && 'needs root', timeout: 90_000 }, async (t) => {
  removePair({ a: NS, b: `${NS}_unused` });
  sh('ip', ['netns', 'add', NS]);
  sh('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
  const dir = mkdtempSync(join(tmpdir(), 'nf-e2e-'));
  writeFileSync(join(dir, 'blob'), Buffer.alloc(2 * 1024 * 1024, 3));
  writeFileSync(join(dir, 'pipelines.yaml'), `
discovery:
  instrument: [{ open_ports: "${HTTP_PORT}", name: nf-e2e-web }]
receivers:
  network_flow:
    interfaces: [lo]
    cidrs: ["127.0.0.0/8"]
processors:
  attributes:
    select:
      lumen_network_flow_bytes_total: { include: [direction, src.port, dst.port, src.cidr, transport] }
exporters:
  prometheus: { endpoint: "127.0.0.1:${PROM_PORT}" }
  print_flows: { format: json }
service:
  pipelines:
    metrics: { receivers: [network_flow], exporters: [prometheus] }
    flows: { receivers: [network_flow], processors: [attributes], exporters: [prometheus, print_flows] }
`);
  const server = background(NS, 'python3', ['-m', 'http.server', String(HTTP_PORT), '--bind', '127.0.0.1', '--directory', dir]);
  const cli = join(dirname(fileURLToPath(import.meta.url)), 'lumen-cli.ts');
  const agent = spawn('ip', ['netns', 'exec', NS, process.execPath, '--import', 'tsx', cli, 'run', '-c', join(dir, 'pipelines.yaml')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  agent.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  agent.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<void>((resolve) => agent.on('exit', () => resolve()));
  t.after(() => cleanUp(
    () => agent.kill('SIGKILL'),
    () => server.stop(),
    () => exited,
    () => sh('ip', ['netns', 'del', NS]),
    () => rmSync(dir, { recursive: true, force: true }),
  ));
  for (let i = 0; i < 100; i++) {
    try {
      scrape();
      break;
    } catch {
      await sleep(200);
    }
  }
  assert.ok(scrape().length > 0, `the agent did not serve metrics\n${stderr}`);
  // The connection below is attributed to the server only once discovery has it: wait for that, not just the endpoint.
  for (let i = 0; i < 50 && sample(scrape(), 'lumen_discovery_instrumented_processes', {}) < 1; i++) await sleep(200);
  assert.ok(sample(scrape(), 'lumen_discovery_instrumented_processes', {}) >= 1, `discovery did not select the server\n${stderr}`);

  const before = counters(NS, 'lo');
  const got = inNs(NS, 'curl', ['-s', '-o', '/dev/null', '-w', '%{size_download}', `http://127.0.0.1:${HTTP_PORT}/blob`]);
  assert.equal(Number(got), 2 * 1024 * 1024);
  const after = counters(NS, 'lo');
  await sleep(3500); // cache_inactive_timeout 2s + a tick
  const text = scrape();
  const http = sample(text, 'lumen_network_flow_bytes_total', { src_port: String(HTTP_PORT) }) + sample(text, 'lumen_network_flow_bytes_total', { dst_port: String(HTTP_PORT) });
  t.diagnostic(within(http, after.tx_bytes - before.tx_bytes, 0.01, 'lumen_network_flow_bytes_total (HTTP ports) vs lo tx_bytes'));
  assert.ok(sample(text, 'lumen_network_flow_bytes_total', { src_port: String(HTTP_PORT), direction: 'egress', src_cidr: '127.0.0.0/8', transport: 'tcp' }) >= 2 * 1024 * 1024);
  assert.ok(sample(text, 'lumen_network_flow_packets_total', { direction: 'egress' }) > 0);
  assert.ok(sample(text, 'lumen_tcp_connect_duration_seconds_count', { direction: 'outgoing' }) >= 1, 'no outgoing connect time exported');
  assert.ok(sample(text, 'lumen_tcp_connect_duration_seconds_count', { direction: 'incoming' }) >= 1, 'no incoming connect time exported');
  assert.ok(sample(text, 'lumen_tcp_rtt_seconds_count', {}) >= 1, 'no RTT exported');
  // The server side of the connection belongs to the instrumented http.server: its service names the series.
  assert.ok(sample(text, 'lumen_tcp_connect_duration_seconds_count', { direction: 'incoming', service_name: 'nf-e2e-web' }) >= 1,
    `the accepted connection is not attributed to the discovered service\n${text.split('\n').filter((l) => l.startsWith('lumen_tcp_connect_duration_seconds_count')).join('\n')}`);
  const printed = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { dstPort: number; srcPort: number });
  assert.ok(printed.some((f) => f.srcPort === HTTP_PORT), 'print_flows did not print the HTTP flow');
});

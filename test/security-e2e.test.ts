/**
 * Issue #11.5 end to end, with the defaults: the real agent (`lumen run`: kernel_socket → routes → otlp and
 * prometheus; no redaction processor), a real node server started with a secret on its command line, real curl
 * sending `Host: user:pw@…` and nine kinds of secret query parameters, and a real node client doing the same (its
 * client span carries url.full). Nothing secret may reach the collector (decoded with the real protos), /metrics,
 * or the agent's logs — including the credentials of the OTLP endpoint itself.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { spawnLumen } from './support/cli-process.js';
import { startOtlpCollector } from './support/otlp-collector.js';
import { PROGRAMS, startProc, stopAllProcs } from '../receivers/kernel_socket/test/support.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const root = process.getuid?.() === 0;
const PORT = 19486;
const PROM = '127.0.0.1:19487';
const MARKER = 'lumen-secret-client';
const dir = mkdtempSync(join(tmpdir(), 'lumen-sec-'));
after(async () => {
  await stopAllProcs();
  rmSync(dir, { recursive: true, force: true });
});

/** Every value here is a secret that must not leave the host; each names where it was sent. */
const SECRETS = {
  hostUserinfo: 'pwHostHdr1', clientUserinfo: 'pwClientHdr2', cmdline: 'hunter2Cmdline', otlpUserinfo: 'collectorPw3', otlpHeader: 'hdrBearer4',
  aws_secret_access_key: 'AKS3CR3Tv', 'user[password]': 'pwBracket5', 'client-secret': 'cs3cret6', 'private-token': 'pt0ken7',
  access_key: 'ak3yv8', oauth_token: 'oat0k9', code: 'c0devA', secret_key: 'sk3yvB', otp: '0tp12C',
};
const QUERY_NAMES = ['aws_secret_access_key', 'user[password]', 'client-secret', 'private-token', 'access_key', 'oauth_token', 'code', 'secret_key', 'otp'] as const;
const query = (tag: string) => `${QUERY_NAMES.map((n) => `${encodeURIComponent(n)}=${SECRETS[n]}`).join('&')}&page=${tag}`;

test('defaults keep secrets on the host: Host userinfo, secret query values, command lines, OTLP credentials', { skip: !root && 'needs root', timeout: 120_000 }, async (t) => {
  const collector = await startOtlpCollector({ grpcPort: 19488, httpPort: 19489 });
  t.after(() => collector.stop());
  const endpoint = collector.httpUrl.replace('://', `://lumen:${SECRETS.otlpUserinfo}@`);
  const config = join(dir, 'pipelines.yaml');
  writeFileSync(config, `
discovery:
  instrument: [{ open_ports: "${PORT}" }, { cmd_args: "*${MARKER}*" }]
receivers:
  kernel_socket: {}
processors:
  routes: { unmatched: heuristic }
exporters:
  otlp:
    endpoint: "${endpoint}"
    protocol: http/protobuf
    headers: { authorization: "Bearer ${SECRETS.otlpHeader}" }
    batch: { timeout: 100ms }
    metrics: { interval: 1s }
  prometheus: { endpoint: "${PROM}" }
service:
  pipelines:
    traces: { receivers: [kernel_socket], processors: [routes], exporters: [otlp] }
    metrics: { receivers: [kernel_socket], processors: [routes], exporters: [prometheus, otlp] }
`);
  const server = startProc(process.execPath, [join(PROGRAMS, 'server.mjs'), String(PORT), '127.0.0.1', `--db-password=${SECRETS.cmdline}`], { env: { OTEL_SERVICE_NAME: 'sec-server' } });
  const lumen = spawnLumen(['run', '-c', config]);
  t.after(() => lumen.child.kill('SIGKILL'));
  await lumen.waitFor((r) => r.stderr.includes('lumen started'), 60_000);

  // Server spans: real curl, retried until discovery has the server and a span arrives.
  const serverSpan = () => collector.spans().find((s) => s.kind === 2 && s.resource['service.name'] === 'sec-server');
  for (let i = 0; i < 40 && !serverSpan(); i++) {
    await run('curl', ['-s', '-g', '-o', '/dev/null', '-H', `Host: user:${SECRETS.hostUserinfo}@shop.example`, `http://127.0.0.1:${PORT}/hello?${query(`s${i}`)}`]);
    await sleep(250);
  }
  assert.ok(serverSpan(), `no server span reached the collector\n${lumen.stderr.slice(-2000)}`);

  // Client spans: a node client that waits for discovery (it is selected by its command line), then calls.
  const script = `setTimeout(() => require('http').get({ host: '127.0.0.1', port: ${PORT}, path: '/hello?${query('c')}', `
    + `headers: { Host: 'app:${SECRETS.clientUserinfo}@api.example' } }, (r) => { r.resume(); r.on('end', () => process.exit(0)); }), 2500)`;
  const client = spawn(process.execPath, ['-e', script, MARKER], { stdio: 'ignore' });
  const [code] = (await new Promise<[number | null]>((resolve) => client.on('exit', (c) => resolve([c]))));
  assert.equal(code, 0);
  const clientSpan = () => collector.spans().find((s) => s.kind === 3 && String(s.attributes['url.full'] ?? '').includes('page=c'));
  for (let i = 0; i < 40 && !clientSpan(); i++) await sleep(250);
  assert.ok(clientSpan(), `no client span reached the collector\n${lumen.stderr.slice(-2000)}`);
  for (let i = 0; i < 20 && collector.metrics().length === 0; i++) await sleep(250);

  // What the span says instead.
  const s = serverSpan()!;
  assert.equal(s.attributes['server.address'], 'shop.example');
  assert.match(String(s.attributes['url.query'] ?? ''), /aws_secret_access_key=REDACTED/);
  assert.equal(s.resource['process.command_line'], undefined, 'command lines are not exported by default');
  const c = clientSpan()!;
  assert.match(String(c.attributes['url.full']), /^http:\/\/api\.example\/hello\?aws_secret_access_key=REDACTED&/);

  const metrics = (await run('curl', ['-s', `http://${PROM}/metrics`])).stdout;
  assert.match(metrics, /server_address="shop\.example"/);
  const exported = JSON.stringify(collector.requests.map((r) => r.body), (_k, v) => (typeof v === 'bigint' ? String(v) : v));
  for (const [where, secret] of Object.entries(SECRETS)) {
    assert.ok(!exported.includes(secret), `${where}: ${secret} reached the OTLP collector`);
    assert.ok(!metrics.includes(secret), `${where}: ${secret} is on /metrics`);
    assert.ok(!lumen.stderr.includes(secret) && !lumen.stdout.includes(secret), `${where}: ${secret} is in the agent's output`);
  }
  lumen.child.kill('SIGTERM');
  assert.equal(await lumen.exited, 0, lumen.stderr.slice(-2000));
  await server.kill();
});

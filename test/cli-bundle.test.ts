/**
 * The bundled CLI (dist/bundle/, what bin/lumen.js runs) runs a real pipeline: kernel_socket captures requests
 * to a python3 http.server and the otlp exporter sends them over gRPC — the transport imported lazily at the
 * first send, @grpc/grpc-js left outside the bundle — to a collector decoding with the real .proto files.
 * Ports 20810–20812.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_BUNDLE, ensureBuilt } from './support/built.js';
import { spawnWatched } from './support/cli-process.js';
import { startOtlpCollector } from './support/otlp-collector.js';

before(() => ensureBuilt());

const SERVER_PORT = 20812;
const get = (path: string) => new Promise<void>((resolve) => {
  const req = request({ host: '127.0.0.1', port: SERVER_PORT, path, agent: false }, (res) => { res.resume(); res.on('end', () => resolve()); });
  req.on('error', () => resolve());
  req.end();
});

test('the bundled CLI exports kernel_socket spans over OTLP/gRPC', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lumen-cli-bundle-'));
  writeFileSync(join(dir, 'index.html'), 'hello');
  const collector = await startOtlpCollector({ grpcPort: 20810, httpPort: 20811 });
  const server = spawn('python3', ['-m', 'http.server', String(SERVER_PORT), '--bind', '127.0.0.1', '--directory', dir], { stdio: 'ignore' });
  const cfg = join(dir, 'pipelines.yaml');
  writeFileSync(cfg, `discovery: { instrument: [ { open_ports: "${SERVER_PORT}" } ] }
receivers: { kernel_socket: {} }
exporters: { otlp: { protocol: grpc, endpoint: "${collector.grpcUrl}", batch: { timeout: 100ms } } }
service: { pipelines: { traces: { receivers: [kernel_socket], exporters: [otlp] } } }
`);
  // The bundle's own entry, run the way bin/lumen.js runs it (so this test cannot pass on the per-file build).
  const agent = spawnWatched(process.execPath, ['--input-type=module', '-e',
    `const { main } = await import(${JSON.stringify(CLI_BUNDLE)}); process.exitCode = await main(['node', 'lumen', ...process.argv.slice(1)]);`,
    'run', '-c', cfg]);
  try {
    await agent.waitFor((r) => /lumen started/.test(r.stderr), 90_000);
    const ours = () => collector.spans().filter((s) => s.attributes['server.port'] === SERVER_PORT && s.attributes['url.path'] === '/index.html');
    for (let i = 0; i < 200 && ours().length < 3; i++) {
      await get('/index.html');
      await new Promise((r) => setTimeout(r, 100));
    }
    const spans = ours();
    assert.ok(spans.length >= 3, `spans of our server reached the collector over gRPC; stderr:\n${agent.stderr.slice(-2000)}`);
    assert.equal(spans[0]!.attributes['http.request.method'], 'GET');
    assert.equal(spans[0]!.attributes['http.response.status_code'], 200);
    agent.child.kill('SIGTERM');
    assert.equal(await agent.exited, 0, agent.stderr.slice(-2000));
    assert.match(agent.stderr, /lumen stopped/);
  } finally {
    agent.child.kill('SIGKILL');
    server.kill('SIGKILL');
    await collector.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAgent, StartError, formatIssue, noopLogger } from '../distribution/index.js';
import { runLumen } from './support/cli-process.js';

// The start stage: a component that cannot start is reported once, at the config value that caused it, as a
// start failure (not "construction"), with the catalog code. Reproduced with a real port held by a real socket.

const dir = mkdtempSync(join(tmpdir(), 'lumen-start-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function occupy(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port };
}

const config = (port: number) => `receivers:
  replay: { path: receivers/replay/testdata/spans.jsonl, pace: fast }
exporters:
  prometheus:
    endpoint: 127.0.0.1:${port}
service:
  pipelines:
    metrics: { receivers: [replay], exporters: [prometheus] }
`;

const inUse = (port: number) => `cannot start: cannot listen on 127.0.0.1:${port}: the address is already in use (another Lumen or exporter listening there?); choose a free host:port`;

test('library: a port in use is one start-stage issue at exporters.prometheus.endpoint', async (t) => {
  const { server, port } = await occupy();
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const agent = createAgent({ config: config(port), configPath: 'start.yaml', logger: noopLogger, env: {} });
  t.after(() => agent.stop());
  await assert.rejects(agent.start(), (e: unknown) => {
    assert.ok(e instanceof StartError);
    assert.equal(e.code, 'LUMEN_START_FAILED');
    assert.equal(e.issues.length, 1);
    const [issue] = e.issues;
    assert.equal(issue!.stage, 'start');
    assert.deepEqual(issue!.path, ['exporters', 'prometheus', 'endpoint']);
    assert.deepEqual(issue!.position, { line: 5, col: 15 });
    assert.equal(formatIssue(issue!), `start.yaml:5:15 exporters.prometheus.endpoint: ${inUse(port)}`);
    assert.equal(e.message, formatIssue(issue!));
    return true;
  });
  assert.equal(agent.state, 'stopped');
});

test('lumen run: a port in use exits 1 with the one line, the path said once', async (t) => {
  const { server, port } = await occupy();
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const cfg = join(dir, 'in-use.yaml');
  writeFileSync(cfg, config(port));
  const quiet = await runLumen(['run', '-c', cfg, '--log-level', 'silent']);
  assert.equal(quiet.code, 1);
  assert.equal(quiet.stderr, `${cfg}:5:15 exporters.prometheus.endpoint: ${inUse(port)}\n`);
  // with the default logs too, the failure is said once (the log says what happens, not the error again)
  const { code, stderr } = await runLumen(['run', '-c', cfg]);
  assert.equal(code, 1);
  assert.equal(stderr.split('exporters.prometheus').length - 1, 1, stderr);
  assert.equal(stderr.split('already in use').length - 1, 1, stderr);
});

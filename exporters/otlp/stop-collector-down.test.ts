/**
 * Issue #11.7: `lumen run` stopped while the OTLP collector is down — a closed port, and a black hole that accepts
 * connections but never answers — with the default timeouts (shutdown_timeout 10s = OTLP timeout 10s). The stop
 * must end within shutdown_timeout, exit 0, and say how much it dropped. Stop times are measured, not assumed.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnLumen } from '../../test/support/cli-process.js';

const dir = mkdtempSync(join(tmpdir(), 'lumen-otlp-down-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const SPANS = 'receivers/replay/testdata/spans.jsonl';

/** A TCP listener that accepts and reads, and never answers (sockets are closed only at the end of the test). */
async function blackHole(port: number): Promise<{ server: Server; accepted: () => number; close(): void }> {
  const sockets: Socket[] = [];
  const server = createServer((s) => {
    sockets.push(s);
    s.on('data', () => {});
    s.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, accepted: () => sockets.length, close: () => { for (const s of sockets) s.destroy(); server.close(); } };
}

function config(name: string, endpoint: string, protocol: string, service = ''): string {
  const path = join(dir, name);
  writeFileSync(path, `receivers:
  replay: { path: ${SPANS}, pace: recorded, speed: 50, loop: -1 }
exporters:
  otlp: { endpoint: "${endpoint}", protocol: ${protocol}, batch: { timeout: 100ms } }
service:
${service}  pipelines:
    traces: { receivers: [replay], exporters: [otlp] }
`);
  return path;
}

/** SIGTERM → exit: the measured stop time and the exit code. */
async function stopAndMeasure(run: ReturnType<typeof spawnLumen>): Promise<{ code: number; ms: number }> {
  const t0 = performance.now();
  run.child.kill('SIGTERM');
  const code = await run.exited;
  return { code, ms: Math.round(performance.now() - t0) };
}

const dropped = (stderr: string) => Number(/dropped.*?spans[=":\s]+(\d+)/.exec(stderr)?.[1] ?? NaN);

test('collector down (closed port), default timeouts: the stop gives up at once, exits 0 and counts the drop', { timeout: 60_000 }, async (t) => {
  const run = spawnLumen(['run', '-c', config('closed.yaml', 'http://127.0.0.1:19471', 'http/protobuf')]);
  t.after(() => run.child.kill('SIGKILL'));
  await run.waitFor((r) => /export failed, retrying/.test(r.stderr), 20_000);
  const { code, ms } = await stopAndMeasure(run);
  t.diagnostic(`closed port: stop took ${ms} ms, exit ${code}`);
  assert.equal(code, 0, run.stderr);
  assert.ok(ms < 3000, `the stop did not wait out retries against a refused port (${ms} ms)`);
  assert.ok(dropped(run.stderr) > 0, `the drop is reported with its count\n${run.stderr}`);
  assert.doesNotMatch(run.stderr, /did not finish within service\.shutdown_timeout/);
});

for (const protocol of ['http/protobuf', 'grpc'] as const) {
  test(`collector down (${protocol} black hole: accepts, never answers), default timeouts: the stop ends within shutdown_timeout and exits 0`, { timeout: 60_000 }, async (t) => {
    const port = protocol === 'grpc' ? 19473 : 19472;
    const hole = await blackHole(port);
    t.after(() => hole.close());
    const run = spawnLumen(['run', '-c', config(`hole-${port}.yaml`, `http://127.0.0.1:${port}`, protocol)]);
    t.after(() => run.child.kill('SIGKILL'));
    await run.waitFor((r) => /otlp exporter ready/.test(r.stderr), 20_000);
    for (let i = 0; i < 100 && hole.accepted() === 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(hole.accepted() > 0, 'the exporter connected to the black hole');
    await new Promise((r) => setTimeout(r, 500)); // spans keep arriving and queue up behind the unanswered request
    const { code, ms } = await stopAndMeasure(run);
    t.diagnostic(`${protocol} black hole: stop took ${ms} ms, exit ${code}`);
    assert.equal(code, 0, run.stderr);
    assert.ok(ms < 10_000, `the stop ended within shutdown_timeout 10s (${ms} ms)`);
    assert.ok(dropped(run.stderr) > 0, `the drop is reported with its count\n${run.stderr}`);
  });
}

test('a short shutdown_timeout is honoured too: 3s with a black hole stops in under 3s, exit 0', { timeout: 60_000 }, async (t) => {
  const hole = await blackHole(19474);
  t.after(() => hole.close());
  const run = spawnLumen(['run', '-c', config('short.yaml', 'http://127.0.0.1:19474', 'http/protobuf', '  shutdown_timeout: 3s\n')]);
  t.after(() => run.child.kill('SIGKILL'));
  await run.waitFor((r) => /otlp exporter ready/.test(r.stderr), 20_000);
  for (let i = 0; i < 100 && hole.accepted() === 0; i++) await new Promise((r) => setTimeout(r, 100));
  const { code, ms } = await stopAndMeasure(run);
  t.diagnostic(`black hole, shutdown_timeout 3s: stop took ${ms} ms, exit ${code}`);
  assert.equal(code, 0, run.stderr);
  assert.ok(ms < 3000, `within 3s (${ms} ms)`);
});

/**
 * Two real Lumen agents on one host, both with the default pipelines.yaml (every listening process): one
 * started by `npm start`, one by `node bin/lumen.js run`. Each traces a Python server, and neither traces the
 * other's /metrics endpoint (default_exclude_instrument: Lumen's CLI by command line). Ports 19493-19495.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnWatched, type CliRun } from '../../../test/support/cli-process.js';
import { ensureBuilt } from '../../../test/support/built.js';

const [PORT_A, PORT_B, PORT_APP] = [19493, 19494, 19495];
const runs: CliRun[] = [];
const dir = mkdtempSync(join(tmpdir(), 'lumen-agents-'));

after(async () => {
  // Every process goes, whatever failed: npm's whole group (npm and its agent), the other agent, the server.
  for (const r of runs) {
    if (r.child.exitCode !== null || r.child.signalCode !== null) continue;
    try { process.kill(-r.child.pid!, 'SIGKILL'); } catch { r.child.kill('SIGKILL'); }
    await r.exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

function start(command: string, args: string[], env: Record<string, string> = {}): CliRun {
  const r = spawnWatched(command, args, { env, detached: true });
  runs.push(r);
  return r;
}

async function get(port: number, path: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { connection: 'close' } });
  await res.arrayBuffer();
  return res.status;
}

/** print_traces lines (on stdout) of requests served on `port` whose path starts with `path`. */
const served = (r: CliRun, port: number, path = '/') =>
  r.stdout.split('\n').filter((l) => l.includes(` ${path}`) && l.includes(`->[127.0.0.1:${port}]`));

test('two agents with the default configuration trace an application server but not each other', { timeout: 180_000 }, async () => {
  ensureBuilt();
  const a = start('npm', ['start'], { LUMEN_SKIP_SETUP: '1', LUMEN_PROMETHEUS_ENDPOINT: `127.0.0.1:${PORT_A}` });
  const b = start(process.execPath, ['bin/lumen.js', 'run'], { LUMEN_PROMETHEUS_ENDPOINT: `127.0.0.1:${PORT_B}` });
  await Promise.all([a, b].map((r) => r.waitFor((x) => /lumen started/.test(x.stderr), 60_000)));

  for (const f of ['control', 'after']) writeFileSync(join(dir, f), 'ok');
  const app = start('python3', ['-m', 'http.server', String(PORT_APP), '--bind', '127.0.0.1', '--directory', dir]);
  // Until both agents print the server's requests: both discoveries are live and saw the listeners so far.
  for (let i = 0; served(a, PORT_APP).length === 0 || served(b, PORT_APP).length === 0; i++) {
    assert.ok(i < 100, `both agents trace the python server within 30 s\nA: ${a.stdout.slice(-1000)}\nB: ${b.stdout.slice(-1000)}\n${app.stderr}`);
    await get(PORT_APP, '/control').catch(() => 0);
    await new Promise((r) => setTimeout(r, 300));
  }

  for (let i = 0; i < 3; i++) {
    assert.equal(await get(PORT_A, '/metrics'), 200);
    assert.equal(await get(PORT_B, '/metrics'), 200);
  }
  // A request after the scrapes, seen by both: anything the scrapes produced would be printed by now.
  assert.equal(await get(PORT_APP, '/after'), 200);
  await Promise.all([a, b].map((r) => r.waitFor((x) => served(x, PORT_APP, '/after').length > 0, 15_000)));
  await new Promise((r) => setTimeout(r, 500));

  for (const [name, r] of [['npm start', a], ['node bin/lumen.js', b]] as const) {
    assert.deepEqual([...served(r, PORT_A), ...served(r, PORT_B)], [], `${name} traced no Lumen /metrics scrape`);
  }
});

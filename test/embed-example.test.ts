import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;
const ENTRY = join(ROOT, 'dist/distribution/index.js');

/** Newest mtime of the TypeScript the package entry is compiled from (src/, distribution/, receivers/, processors/, exporters/). */
function newestSource(): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of ['src', 'distribution', 'receivers', 'processors', 'exporters']) if (existsSync(join(ROOT, d))) walk(join(ROOT, d));
  return newest;
}

test('examples/embed runs against the built package (import from "lumen") and prints the exporter summary', { timeout: 240_000 }, () => {
  if (!existsSync(ENTRY) || statSync(ENTRY).mtimeMs < newestSource()) {
    // `npm test` builds first (scripts/setup.sh); a stale dist/ is rebuilt here so the example runs the current code.
    spawnSync('npx', ['--no-install', 'tsc', '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'ignore' });
  }
  assert.ok(existsSync(ENTRY), 'dist/distribution/index.js exists (npm run build)');
  const out = execFileSync(process.execPath, ['examples/embed/main.mjs', '19150'], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  const result = JSON.parse(out.trim()) as { summary: Record<string, { count: number; errors: number; maxMs: number }>; tapped: number; internal: number[] };
  assert.deepEqual(Object.keys(result.summary).sort(), ['GET /', 'GET /fail', 'GET /users']);
  assert.deepEqual(result.summary['GET /users']!.count, 2);
  assert.deepEqual(result.summary['GET /fail']!.errors, 1);
  assert.deepEqual(result.summary['GET /']!.errors, 0);
  for (const v of Object.values(result.summary)) assert.ok(v.maxMs > 0 && v.maxMs < 5000);
  assert.equal(result.tapped, 4);
  assert.deepEqual(result.internal, [4]);
  // execFileSync returned: the program exited by itself after agent.stop(), so Lumen left no handle open.
});

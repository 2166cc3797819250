import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { ensureBuilt, ROOT } from './support/built.js';

test('examples/embed runs against the built package (import from "lumen") and prints the exporter summary', { timeout: 240_000 }, () => {
  ensureBuilt();
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

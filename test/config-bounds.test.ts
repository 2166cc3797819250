import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Issue #11.2 and #11.6 through the real CLI (`node bin/lumen.js run`, the compiled dist/): values that used to
 * validate and then crash or misbehave at run time are refused up front with exit 2 and a positioned message.
 */
const ROOT = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'lumen-bounds-'));
const spans = join(ROOT, 'receivers/replay/testdata/spans.jsonl');

function run(name: string, exporters: string, service = '', env: Record<string, string> = {}): { status: number | null; stderr: string } {
  const file = join(dir, name);
  writeFileSync(file, `receivers:\n  replay: { path: ${JSON.stringify(spans)}, pace: fast }\nexporters:\n${exporters}\nservice:\n${service}  pipelines:\n    traces: { receivers: [replay], exporters: [otlp] }\n`);
  const r = spawnSync(process.execPath, ['bin/lumen.js', 'run', '-c', file], { cwd: ROOT, encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...env } });
  assert.doesNotMatch(r.stderr, /\n\s+at |TypeError|node:internal/, `stack trace:\n${r.stderr}`);
  return { status: r.status, stderr: r.stderr };
}

test('lumen run with otlp.endpoint "http://localhost:99999": exit 2 before anything starts (was a crash at the first export)', () => {
  const r = run('port.yaml', '  otlp: { endpoint: "http://localhost:99999" }');
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /port\.yaml:4:21 exporters\.otlp\.endpoint: port 99999 is outside 1-65535, got "http:\/\/localhost:99999"/);
});

test('the same URL from OTEL_EXPORTER_OTLP_ENDPOINT: exit 2 naming the exporter, no crash', () => {
  const r = run('env.yaml', '  otlp: {}', '', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://localhost:99999' });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /exporters\.otlp: .*traces endpoint: must be an http:\/\/ or https:\/\/ URL with a host/);
});

test('otlp.queue_size 10^15 is refused with its range', () => {
  const r = run('queue.yaml', '  otlp: { queue_size: 1000000000000000 }');
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /queue\.yaml:4:23 exporters\.otlp\.queue_size: must be <= 1048576, got 1000000000000000/);
});

for (const [value, expected] of [
  ['-5s', 'must be greater than 0, got "-5s"'],
  ['9999999999h', 'must be at most 596h31m23.647s (2^31-1 ms, what a timer can wait), got "9999999999h"'],
] as const) {
  test(`service.shutdown_timeout "${value}": exit 2, no TimeoutOverflowWarning, no immediate failed stop`, () => {
    const r = run(`shutdown${value.length}.yaml`, '  otlp: {}', `  shutdown_timeout: "${value}"\n`);
    assert.equal(r.status, 2, r.stderr);
    assert.ok(r.stderr.includes(`:6:21 service.shutdown_timeout: ${expected}`), r.stderr);
    assert.doesNotMatch(r.stderr, /TimeoutOverflowWarning/);
  });
}

test('otlp timeout "-1s" and request_timeout-like negatives: refused', () => {
  const r = run('timeout.yaml', '  otlp: { timeout: "-1s", retry: { max_interval: "0s" } }');
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /exporters\.otlp\.timeout: must be greater than 0, got "-1s"/);
  assert.match(r.stderr, /exporters\.otlp\.retry\.max_interval: must be greater than 0, got "0s"/);
});

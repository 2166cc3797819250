import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnLumen, runLumen } from './support/cli-process.js';
import { parseSpanLines } from '../src/model/span-json-lines.js';
import { REPEATED_SIGNAL_MS } from '../src/agent.js';

const dir = mkdtempSync(join(tmpdir(), 'lumen-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const SPANS = 'receivers/replay/testdata/spans.jsonl';

function file(name: string, yaml: string): string {
  const path = join(dir, name);
  writeFileSync(path, yaml);
  return path;
}

const replayTo = (exporters: string, extra = '', service = '') => `receivers:
  replay: { path: ${SPANS}, pace: fast }
exporters:
${exporters}
service:
${service}  pipelines:
    traces: { receivers: [replay], exporters: [${extra}] }
`;

test('run: replay → print_traces prints every span on stdout, logs on stderr, SIGTERM exits 0', async (t) => {
  const cfg = file('run.yaml', replayTo('  print_traces:', 'print_traces'));
  const run = spawnLumen(['run', '-c', cfg]);
  t.after(() => run.child.kill('SIGKILL'));
  await run.waitFor((r) => r.stdout.split('\n').length > 36 && /replay finished/.test(r.stderr));
  run.child.kill('SIGTERM');
  assert.equal(await run.exited, 0);
  const lines = run.stdout.trim().split('\n');
  assert.equal(lines.length, 36);
  for (const line of lines) {
    assert.match(line, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{9} \([\d.]+ms\[[\d.]+ms\]\) HTTP(Client)? \d{3} (GET|POST) \/\S+ \[[\d.]+:\d+\]->\[[\d.]+:\d+\] size:\d+B svc=\[(frontend nodejs|catalog python)\] traceparent=\[00-[0-9a-f]{32}-[0-9a-f]{16}\[[0-9a-f]{16}\]-01\]$/);
  }
  assert.equal(lines.filter((l) => / HTTP 500 /.test(l)).length, 2, 'the root span and the catalog span of the failed request');
  assert.match(run.stderr, /INFO +lumen started/);
  assert.match(run.stderr, /SIGTERM received, stopping/);
  assert.match(run.stderr, /INFO +lumen stopped/);
  assert.doesNotMatch(run.stdout, /lumen started/, 'logs never go to stdout');
});

test('run: print_traces json output replays to the same spans (record → replay round trip)', async (t) => {
  const cfg = file('json.yaml', replayTo('  print_traces: { format: json }', 'print_traces').replace('pace: fast', 'pace: fast, timestamps: original'));
  const run = spawnLumen(['run', '-c', cfg, '--log-format', 'json', '--log-level', 'warn']);
  t.after(() => run.child.kill('SIGKILL'));
  await run.waitFor((r) => r.stdout.split('\n').length > 36);
  run.child.kill('SIGINT');
  assert.equal(await run.exited, 0);
  const original = parseSpanLines(readFileSync(SPANS, 'utf8')).spans;
  const printed = parseSpanLines(run.stdout);
  assert.deepEqual(printed.invalid, []);
  const key = (s: { trace: { spanId: string } }) => s.trace.spanId;
  assert.deepEqual([...printed.spans].sort((a, b) => key(a).localeCompare(key(b))), [...original].sort((a, b) => key(a).localeCompare(key(b))));
  for (const line of run.stderr.trim().split('\n').filter(Boolean)) assert.ok(JSON.parse(line).level >= 40, `json log at warn or above: ${line}`);
});

test('run: a slow exporter finishes its shutdown within service.shutdown_timeout → exit 0', async (t) => {
  const cfg = file('slow.yaml', replayTo('  slow: { shutdown_delay: 1500 }', 'slow', '  shutdown_timeout: 10s\n'));
  const run = spawnLumen(['run', '-c', cfg]);
  t.after(() => run.child.kill('SIGKILL'));
  await run.waitFor((r) => /replay finished/.test(r.stderr));
  const t0 = Date.now();
  run.child.kill('SIGTERM');
  assert.equal(await run.exited, 0);
  const ms = Date.now() - t0;
  assert.ok(ms >= 1400, `waited for the exporter (${ms} ms)`);
  assert.match(run.stderr, /slow exporter: shut down after receiving 36 items/);
});

test('run: a shutdown overrunning service.shutdown_timeout exits 1 with a message; a second signal exits at once', async (t) => {
  const cfg = file('stuck.yaml', replayTo('  slow: { shutdown_delay: 20000 }', 'slow', '  shutdown_timeout: 500ms\n'));
  const run = spawnLumen(['run', '-c', cfg]);
  t.after(() => run.child.kill('SIGKILL'));
  await run.waitFor((r) => /lumen started/.test(r.stderr));
  const t0 = Date.now();
  run.child.kill('SIGTERM');
  assert.equal(await run.exited, 1);
  assert.ok(Date.now() - t0 < 5000);
  assert.match(run.stderr, /shutdown did not finish within service\.shutdown_timeout \(500ms\); exiting anyway/);

  const long = file('stuck-long.yaml', replayTo('  slow: { shutdown_delay: 20000 }', 'slow', '  shutdown_timeout: 15s\n'));
  const again = spawnLumen(['run', '-c', long]);
  t.after(() => again.child.kill('SIGKILL'));
  await again.waitFor((r) => /lumen started/.test(r.stderr));
  again.child.kill('SIGTERM');
  await again.waitFor((r) => /SIGTERM received/.test(r.stderr));
  // Sooner it would be the same request delivered twice (terminal and npm; test/npm-start.test.ts).
  await new Promise((r) => setTimeout(r, REPEATED_SIGNAL_MS));
  again.child.kill('SIGTERM');
  assert.equal(await again.exited, 143);
  assert.match(again.stderr, /second SIGTERM: exiting without finishing the shutdown/);
});

test('run: an invalid configuration exits 2 with the exact error lines and no stack trace', async () => {
  const cfg = file('bad.yaml', `receivers:\n  replay: { path: ${SPANS}, pace: warp }\nexporters:\n  print_traces:\nservice:\n  pipelines:\n    traces: { receivers: [replay], exporters: [print_traces, otlp/x] }\n`);
  const { code, stdout, stderr } = await runLumen(['run', '-c', cfg]);
  assert.equal(code, 2);
  assert.equal(stdout, '');
  assert.equal(stderr, `${cfg}:2:64 receivers.replay.pace: must be one of "recorded", "fast", got "warp"\n`);
  const missing = await runLumen(['run', '-c', join(dir, 'nope.yaml')]);
  assert.equal(missing.code, 2);
  assert.equal(missing.stderr, `${join(dir, 'nope.yaml')}: cannot read the configuration: no such file, pass an existing file with -c FILE\n`);
  const unset = file('env.yaml', replayTo('  print_traces:', 'print_traces').replace(SPANS, '"${LUMEN_CLI_TEST_SPANS}"'));
  const e = await runLumen(['run', '-c', unset]);
  assert.equal(e.code, 2);
  assert.equal(e.stderr, `${unset}:2:19 receivers.replay.path: environment variable LUMEN_CLI_TEST_SPANS is not set, set it or write \${LUMEN_CLI_TEST_SPANS:-default}\n`);
});

test('run: a component that cannot be created exits 2 naming it; LUMEN_CONFIG is the default config path', async () => {
  const cfg = file('missing-spans.yaml', replayTo('  print_traces:', 'print_traces').replace(SPANS, 'no/such/spans.jsonl'));
  const { code, stderr } = await runLumen(['run'], { LUMEN_CONFIG: cfg });
  assert.equal(code, 2);
  assert.match(stderr, new RegExp(`^${cfg.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:2:3 receivers\\.replay: cannot be created: cannot read no/such/spans\\.jsonl: no such file`));
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
});

test('validate: ✓/✗ per stage on stdout, the errors on stderr, exit 0 / 2', async () => {
  const ok = await runLumen(['validate', '-c', 'receivers/replay/testdata/valid-replay.yaml']);
  assert.equal(ok.code, 0);
  assert.equal(ok.stdout, '✓ parse         \n✓ schema        \n✓ graph         \n✓ construction  \nreceivers/replay/testdata/valid-replay.yaml: valid\n');
  const cfg = file('graph.yaml', `receivers:\n  replay: { path: ${SPANS} }\nexporters:\n  print_traces:\n  print_traces/unused:\nservice:\n  pipelines:\n    metrics: { receivers: [replay], exporters: [print_traces] }\n`);
  const bad = await runLumen(['validate', '-c', cfg]);
  assert.equal(bad.code, 2);
  assert.equal(bad.stdout, `✓ parse         \n✓ schema        \n✗ graph         1 error, 1 warning\n- construction  skipped\n${cfg}: invalid\n`);
  assert.equal(bad.stderr, [
    `${cfg}:5:3 exporters.print_traces/unused: warning: exporter not used by any pipeline, it will not be started`,
    `${cfg}:8:49 service.pipelines.metrics.exporters[0]: exporter "print_traces" cannot export metrics, it exports: traces, flows`,
    '',
  ].join('\n'));
  const construct = file('construct.yaml', replayTo('  print_traces:', 'print_traces').replace(SPANS, 'gone.jsonl'));
  const c = await runLumen(['validate', '-c', construct]);
  assert.equal(c.code, 2);
  assert.match(c.stdout, /✓ graph +\n✗ construction  1 error\n/);
});

test('--version, --help, usage errors', async () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  const v = await runLumen(['--version']);
  assert.deepEqual([v.code, v.stdout], [0, `${pkg.version}\n`]);
  const h = await runLumen(['run', '--help']);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /-c, --config <file>/);
  assert.match(h.stdout, /--log-level <level>/);
  const u = await runLumen(['run', '--log-level', 'loud']);
  assert.equal(u.code, 2);
  assert.match(u.stderr, /argument 'loud' is invalid. Allowed choices are debug, info, warn, error, silent/);
});

/**
 * End to end through the CLI as a new user runs it: `lumen run` with no arguments (the default
 * pipelines.yaml: every listening process, print_traces on stdout, Prometheus metrics), against a real
 * python http.server; the Prometheus endpoint moved off 9400 with LUMEN_PROMETHEUS_ENDPOINT.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { spawnLumen } from '../../../test/support/cli-process.js';
import { sleep, startServer, stopAllProcs } from './support.js';

const run = promisify(execFile);
const PORT = 19670;
const METRICS = '127.0.0.1:19671';

after(stopAllProcs);

test('lumen run (default pipelines.yaml): request lines on stdout and RED metrics on /metrics', async () => {
  const server = await startServer('python', PORT);
  const lumen = spawnLumen(['run'], { LUMEN_PROMETHEUS_ENDPOINT: METRICS });
  try {
    await lumen.waitFor((r) => r.stderr.includes('lumen started'), 30_000);
    // The server is instrumented once its first request is traced: retry until a line shows up.
    const line = (r: typeof lumen) => r.stdout.split('\n').find((l) => l.includes('GET /hello.txt') && l.includes(`svc=[${server.serviceName}`));
    for (let i = 0; i < 20 && !line(lumen); i++) {
      await run('curl', ['-s', '-o', '/dev/null', `http://127.0.0.1:${PORT}/hello.txt`]);
      await sleep(250);
    }
    await lumen.waitFor((r) => line(r) !== undefined, 10_000);
    assert.match(line(lumen)!, / HTTP 200 GET \/hello\.txt \[127\.0\.0\.1:\d+\]->\[127\.0\.0\.1:19670\] .*svc=\[ks-python-19670 python\] traceparent=\[00-[0-9a-f]{32}-[0-9a-f]{16}/);
    await run('curl', ['-s', '-o', '/dev/null', `http://127.0.0.1:${PORT}/missing`]);
    await lumen.waitFor((r) => r.stdout.includes('HTTP 404 GET /missing'), 10_000);
    const { stdout: metrics } = await run('curl', ['-s', `http://${METRICS}/metrics`]);
    const count = metrics.split('\n').find((l) => l.startsWith('http_server_request_duration_seconds_count{')
      && l.includes(`service_name="${server.serviceName}"`) && l.includes('http_response_status_code="404"'));
    assert.ok(count, `no 404 duration series for ${server.serviceName} in:\n${metrics.slice(0, 3000)}`);
    assert.match(count, /} 1$/);
    assert.match(metrics, /lumen_kernel_socket_spans_total\{[^}]*\} [1-9]/);
  } finally {
    lumen.child.kill('SIGTERM');
    assert.equal(await lumen.exited, 0, lumen.stderr.slice(-2000));
  }
});

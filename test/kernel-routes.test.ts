/**
 * The routes processor end to end with the kernel receiver: real requests to a real python http.server,
 * traced by kernel_socket, grouped by the heuristic, exported by the prometheus exporter of a real `lumen run`.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { spawnLumen } from './support/cli-process.js';
import { sleep, startServer, stopAllProcs, tempDir } from '../receivers/kernel_socket/test/support.js';

const run = promisify(execFile);
const PORT = 19450;
const METRICS = '127.0.0.1:19451';

after(stopAllProcs);

const config = `
discovery:
  instrument: [{ open_ports: "${PORT}" }]
receivers:
  kernel_socket: {}
processors:
  routes: { unmatched: heuristic }
exporters:
  prometheus: { endpoint: "${METRICS}" }
service:
  pipelines:
    metrics: { receivers: [kernel_socket], processors: [routes], exporters: [prometheus] }
`;

test('/users/123/orders/456 and /users/77/orders/9 become http_route="/users/*/orders/*"', async () => {
  const dir = tempDir('lumen-routes-e2e');
  const file = join(dir, 'pipelines.yaml');
  writeFileSync(file, config);
  const server = await startServer('python', PORT);
  const lumen = spawnLumen(['run', '-c', file]);
  const series = async () => {
    const { stdout } = await run('curl', ['-s', `http://${METRICS}/metrics`]);
    return stdout.split('\n').filter((l) => l.startsWith('http_server_request_duration_seconds_count{') && l.includes(`service_name="${server.serviceName}"`));
  };
  try {
    await lumen.waitFor((r) => r.stderr.includes('lumen started'), 30_000);
    // Discovery picks the server up within a second: repeat the first request until it is traced.
    for (let i = 0; i < 20 && (await series()).length === 0; i++) {
      await run('curl', ['-s', '-o', '/dev/null', `http://127.0.0.1:${PORT}/users/123/orders/456`]);
      await sleep(250);
    }
    // The kernel aggregation (on for this metrics-only pipeline) is read once a second: requests of the loop above
    // may still be on their way into the series, so take the count once it holds still over a read.
    const routedCount = async () => {
      const l = (await series()).find((x) => x.includes('http_route="/users/*/orders/*"'));
      return l === undefined ? undefined : Number(l.split(' ').pop());
    };
    let n0 = await routedCount();
    assert.ok(n0 !== undefined, `no /users/*/orders/* series in:\n${(await series()).join('\n')}`);
    for (let i = 0; i < 10; i++) {
      await sleep(1500);
      const n = await routedCount();
      if (n === n0) break;
      n0 = n;
    }
    await run('curl', ['-s', '-o', '/dev/null', `http://127.0.0.1:${PORT}/users/77/orders/9`]);
    await run('curl', ['-s', '-o', '/dev/null', `http://127.0.0.1:${PORT}/users/123/orders/456?token=x`]);
    let lines: string[] = [];
    for (let i = 0; i < 40; i++) {
      lines = await series();
      const l = lines.find((x) => x.includes('http_route="/users/*/orders/*"'));
      if (l && Number(l.split(' ').pop()) >= n0! + 2) break;
      await sleep(250);
    }
    const routed = lines.filter((l) => l.includes('http_route="/users/*/orders/*"'));
    assert.equal(routed.length, 1, `one series for both users and orders:\n${lines.join('\n')}`);
    assert.equal(Number(routed[0]!.split(' ').pop()), n0! + 2);
    assert.ok(!lines.some((l) => /http_route="[^"]*\d/.test(l)), `no raw ids in any route:\n${lines.join('\n')}`);
  } finally {
    lumen.child.kill('SIGTERM');
    assert.equal(await lumen.exited, 0, lumen.stderr.slice(-2000));
  }
});

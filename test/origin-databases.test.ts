/**
 * The origin scenario's database legs, end to end through a real `lumen run`: a Java service (JDBC) on
 * PostgreSQL and a Node service (mysql2) on MariaDB, traced by kernel_socket from the wire; the prometheus
 * exporter scraped by a real Prometheus, which answers the p95 per database system. Ports 21020-21029.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnLumen } from './support/cli-process.js';
import { startPrometheus, type PrometheusServer } from './support/prometheus-server.js';
import { startProc, stopAllProcs, tempDir } from '../receivers/kernel_socket/test/support.js';
import { startMariadb, startPostgres } from '../receivers/kernel_socket/test/db-servers.js';

const PG = 21020, MARIADB = 21021, PROM = 21022, METRICS = '127.0.0.1:21023';
const MARKER = 'lumen-origin-db';
const PROGRAMS = join(dirname(fileURLToPath(import.meta.url)), 'programs', 'origin');
let prometheus: PrometheusServer | undefined;

after(async () => {
  await prometheus?.stop();
  await stopAllProcs();
});

const config = `
discovery:
  instrument: [{ cmd_args: "*${MARKER}*" }]
receivers:
  kernel_socket: {}
exporters:
  prometheus: { endpoint: "${METRICS}" }
service:
  pipelines:
    metrics: { receivers: [kernel_socket], exporters: [prometheus] }
`;

test('Java → PostgreSQL and Node → MariaDB: Prometheus answers the p95 of db_client_operation_duration_seconds by db_system_name', async (t) => {
  const dir = tempDir('origin-db');
  const file = join(dir, 'pipelines.yaml');
  writeFileSync(file, config);
  await Promise.all([startPostgres(PG), startMariadb(MARIADB)]);
  prometheus = await startPrometheus({ port: PROM, targets: [METRICS] });
  const lumen = spawnLumen(['run', '-c', file]);
  try {
    await lumen.waitFor((r) => r.stderr.includes('lumen started'), 30_000);
    startProc('java', ['-cp', '/usr/share/java/postgresql.jar', join(PROGRAMS, 'JdbcClient.java'), String(PG), MARKER]);
    startProc(process.execPath, [join(PROGRAMS, 'mysql-client.mjs'), String(MARIADB), MARKER]);
    const expr = 'histogram_quantile(0.95, sum(rate(db_client_operation_duration_seconds_bucket[1m])) by (le, db_system_name))';
    const result = await prometheus.waitFor(expr, (r) => ['postgresql', 'mysql'].every((s) => r.some((x) => x.metric.db_system_name === s && Number.isFinite(Number(x.value[1])))), 60_000);
    for (const system of ['postgresql', 'mysql']) {
      const p95 = Number(result.find((x) => x.metric.db_system_name === system)!.value[1]);
      assert.ok(p95 > 0 && p95 < 1, `${system} p95 ${p95}s`);
      t.diagnostic(`${system} p95 ${(p95 * 1000).toFixed(2)} ms`);
    }
    // the operations and the failing statement are there too, by name
    const ops = await prometheus.query('sum(db_client_operation_duration_seconds_count) by (db_system_name, db_operation_name, error_type)');
    const has = (sys: string, op: string, err?: string) => ops.some((x) => x.metric.db_system_name === sys && x.metric.db_operation_name === op && x.metric.error_type === err);
    assert.ok(has('postgresql', 'SELECT'), JSON.stringify(ops.map((x) => x.metric)));
    assert.ok(has('postgresql', 'SELECT', '42P01'), 'the failing JDBC statement is an error');
    assert.ok(has('mysql', 'SELECT') && has('mysql', 'UPDATE'), JSON.stringify(ops.map((x) => x.metric)));
  } finally {
    lumen.child.kill('SIGTERM');
    assert.equal(await lumen.exited, 0, lumen.stderr.slice(-2000));
  }
});

/**
 * The container image, built and run on this machine the way the docs say. The base image is substituted: no
 * registry is reachable here, so debian:bookworm-slim is made from Debian's packages with mmdebstrap and imported
 * under that name (deploy/container/debian-base.sh); every step after FROM is the Dockerfile's own.
 * The running container (the README's command: --privileged --pid=host --network=host; then again with only the
 * capability list of docs/deployment/capabilities.md) instruments a python http.server running on the host and
 * serves its RED metrics.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanUp } from '../support/cleanup.js';
import { IMAGE, ROOT, buildImage, needTools, podman, podmanEnv, removeContainers } from './support/podman.js';
import { CONTAINER_CAPABILITIES, CONTAINER_MOUNTS, readmeRunCommand } from './support/deployment.js';

const SERVER_PORT = 20401;
const CAPS_METRICS = '127.0.0.1:20402';
const README_METRICS = '127.0.0.1:9400';
const skip = needTools('podman', 'buildah', 'mmdebstrap', 'runc', 'python3', 'curl');
const env = skip ? process.env : podmanEnv();
let server: ChildProcess | undefined;

after(() => cleanUp(
  () => removeContainers('lumen', 'lumen-caps'),
  () => { server?.kill('SIGTERM'); },
));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A real server on the host (outside any container): python3's http.server on SERVER_PORT. */
async function startHostServer(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lumen-image-'));
  writeFileSync(join(dir, 'hello.txt'), 'hello from the host\n');
  server = spawn('python3', ['-m', 'http.server', String(SERVER_PORT), '--bind', '127.0.0.1', '--directory', dir], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    if (spawnSync('curl', ['-sf', '-o', '/dev/null', `http://127.0.0.1:${SERVER_PORT}/hello.txt`]).status === 0) return;
    await sleep(100);
  }
  throw new Error('python3 http.server did not start');
}

/** Requests to the host server until the container's /metrics has its 200 and 404 series; returns the text. */
async function redMetricsOf(metrics: string, container: string): Promise<string> {
  let text = '';
  for (let i = 0; i < 120; i++) {
    spawnSync('curl', ['-s', '-o', '/dev/null', `http://127.0.0.1:${SERVER_PORT}/hello.txt`]);
    spawnSync('curl', ['-s', '-o', '/dev/null', `http://127.0.0.1:${SERVER_PORT}/missing`]);
    const r = spawnSync('curl', ['-sf', `http://${metrics}/metrics`], { encoding: 'utf8' });
    text = r.stdout ?? '';
    const ours = text.split('\n').filter((l) => l.startsWith('http_server_request_duration_seconds_count{') && l.includes(`server_port="${SERVER_PORT}"`));
    if (ours.some((l) => l.includes('http_response_status_code="200"')) && ours.some((l) => l.includes('http_response_status_code="404"'))) return text;
    await sleep(500);
  }
  const logs = spawnSync('podman', ['logs', '--tail', '40', container], { encoding: 'utf8' });
  throw new Error(`no RED metrics for port ${SERVER_PORT} on ${metrics}; container log:\n${logs.stdout}${logs.stderr}\nmetrics:\n${text.slice(0, 2000)}`);
}

test('the image builds (base from mmdebstrap, the rest the Dockerfile), then runs as the README says and with only the capability list', { skip }, async () => {
  const { baseSeconds, buildSeconds } = buildImage();
  console.log(`# base image (mmdebstrap, cached after the first run): ${baseSeconds.toFixed(0)} s; podman build: ${buildSeconds.toFixed(0)} s`);

  type Inspect = { Labels: Record<string, string>; Healthcheck?: { Test: string[] } };
  const [info] = JSON.parse(podman(['image', 'inspect', IMAGE])) as [Inspect & { Config: Inspect }];
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  assert.equal(info.Labels['org.opencontainers.image.version'], version);
  assert.match((info.Healthcheck ?? info.Config.Healthcheck)?.Test.join(' ') ?? '', /metrics/, 'the image has a HEALTHCHECK');

  // Beyla's way: the variables alone configure Lumen in the container (the entrypoint's empty working directory).
  const beyla = spawnSync('podman', ['run', '--rm', '-e', `BEYLA_OPEN_PORT=${SERVER_PORT}`, '-e', 'BEYLA_PROMETHEUS_PORT=9400', IMAGE, 'validate', '--print-pipeline'],
    { env, encoding: 'utf8' });
  assert.equal(beyla.status, 0, beyla.stderr);
  assert.match(beyla.stdout, new RegExp(`open_ports: "?${SERVER_PORT}"?`));
  assert.match(beyla.stdout, /endpoint: "?0\.0\.0\.0:9400"?/);

  await startHostServer();
  removeContainers('lumen', 'lumen-caps');

  // 1. The README's command, as written (the machine's runtime and ulimits come from CONTAINERS_CONF).
  const command = readmeRunCommand();
  const r = spawnSync('bash', ['-c', command], { env, encoding: 'utf8' });
  assert.equal(r.status, 0, `${command}\n${r.stderr}`);
  const readme = await redMetricsOf(README_METRICS, 'lumen');
  assert.match(readme, /lumen_kernel_socket_spans_total\{[^}]*\} [1-9]/);
  const health = spawnSync('podman', ['healthcheck', 'run', 'lumen'], { env, encoding: 'utf8' });
  assert.equal(health.status, 0, `healthcheck: ${health.stdout}${health.stderr}`);
  removeContainers('lumen');

  // 2. Not privileged: only the capability list, the host mounts of docs/deployment/capabilities.md.
  const mounts = CONTAINER_MOUNTS.flatMap((m) => ['-v', `${m}:${m}`]);
  // podman's default seccomp profile allows bpf() and perf_event_open() only with CAP_SYS_ADMIN (measured).
  const caps = ['--cap-drop=all', ...CONTAINER_CAPABILITIES.map((c) => `--cap-add=${c}`), '--security-opt', 'seccomp=unconfined'];
  const doctor = spawnSync('podman', ['run', '--rm', '--pid=host', '--network=host', ...caps, ...mounts, IMAGE, 'doctor', '--json'],
    { env, encoding: 'utf8' });
  const report = JSON.parse(doctor.stdout) as { ok: boolean; privileged: boolean; receivers: { name: string; status: string }[] };
  assert.equal(report.privileged, true, 'the capability list is enough for every probe');
  assert.equal(report.ok, true, doctor.stdout.slice(0, 3000));
  console.log(`# lumen doctor with only ${CONTAINER_CAPABILITIES.join(',')}: ${report.receivers.map((x) => `${x.name}=${x.status}`).join(' ')}`);
  podman(['run', '-d', '--name', 'lumen-caps', '--pid=host', '--network=host', ...caps, ...mounts,
    '-e', `LUMEN_PROMETHEUS_ENDPOINT=${CAPS_METRICS}`, IMAGE], env);
  const capsOnly = await redMetricsOf(CAPS_METRICS, 'lumen-caps');
  assert.match(capsOnly, /lumen_kernel_socket_spans_total\{[^}]*\} [1-9]/);
});

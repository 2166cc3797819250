/**
 * deploy/compose: both files pass `docker-compose config`; the minimal one (Lumen + Prometheus) runs under
 * podman-compose with the locally built Lumen image and a Prometheus image built from Debian's prometheus package
 * (no registry is reachable here: the stand-in is test/deploy/prometheus.Dockerfile, chosen with
 * PROMETHEUS_IMAGE), and Prometheus ends up with Lumen's RED metrics of a server on the host.
 * Alloy, Tempo and Grafana images cannot be pulled here: their configuration files are checked statically
 * against what those tools' documentation specifies, and Lumen's environment-only configuration (Beyla's
 * variables) goes through `lumen validate`.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { cleanUp } from '../support/cleanup.js';
import { IMAGE, ROOT, buildImage, needTools, podman, podmanEnv } from './support/podman.js';
import { child, parseAlloy, type AlloyBlock } from './support/alloy.js';

const COMPOSE = join(ROOT, 'deploy/compose');
const FULL = join(COMPOSE, 'docker-compose.yml');
const MINIMAL = join(COMPOSE, 'docker-compose.minimal.yml');
const PROMETHEUS_IMAGE = 'localhost/lumen-test-prometheus';
const PROMETHEUS_PORT = 20403;
const SERVER_PORT = 20404;

interface Service {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: { published: number; target: number }[];
  network_mode?: string;
  pid?: string;
}
/** `docker-compose config`: the file as Compose resolves it (variables, defaults), or the error. */
function composeConfig(file: string, env: NodeJS.ProcessEnv = process.env): { services: Record<string, Service> } {
  const r = spawnSync('docker-compose', ['-f', file, 'config'], { encoding: 'utf8', env });
  assert.equal(r.status, 0, `docker-compose -f ${file} config: ${r.stderr}`);
  return parse(r.stdout) as { services: Record<string, Service> };
}

test('both compose files pass docker-compose config', { skip: needTools('docker-compose') }, () => {
  const full = composeConfig(FULL);
  assert.deepEqual(Object.keys(full.services).sort(), ['alloy', 'client', 'grafana', 'lumen', 'node-app', 'prometheus', 'python-app', 'tempo']);
  const minimal = composeConfig(MINIMAL);
  assert.deepEqual(Object.keys(minimal.services).sort(), ['lumen', 'prometheus']);
  for (const s of [full.services['lumen']!, minimal.services['lumen']!]) assert.equal(s.pid, 'host');
  assert.equal(full.services['lumen']!.network_mode, 'host');
});

test('compose Lumen is configured both ways: a mounted pipelines.yaml, and Beyla variables alone', { skip: needTools('docker-compose') }, () => {
  // Mounted file (minimal): the file `run -c` names is the mounted one, and lumen validates it.
  const minimal = composeConfig(MINIMAL).services['lumen']!;
  const mount = minimal.volumes!.find((v) => v.endsWith(':/etc/lumen/pipelines.yaml:ro'))!;
  assert.deepEqual(minimal.command, ['run', '-c', '/etc/lumen/pipelines.yaml']);
  const file = mount.split(':')[0]!;
  const v1 = spawnSync(process.execPath, [join(ROOT, 'bin/lumen.js'), 'validate', '-c', file], { encoding: 'utf8' });
  assert.equal(v1.status, 0, v1.stdout + v1.stderr);

  // Environment only (full): in a directory without pipelines.yaml, as the image runs it with these variables.
  const full = composeConfig(FULL).services['lumen']!;
  assert.equal(full.command, undefined, 'no file, no -c');
  assert.ok(full.environment!['BEYLA_OPEN_PORT'] && full.environment!['OTEL_EXPORTER_OTLP_ENDPOINT'] && full.environment!['BEYLA_PROMETHEUS_PORT']);
  const env = { PATH: process.env.PATH, ...full.environment };
  const v2 = spawnSync(process.execPath, [join(ROOT, 'bin/lumen.js'), 'validate', '--print-pipeline'],
    { encoding: 'utf8', env, cwd: mkdtempSync(join(tmpdir(), 'lumen-env-')) });
  assert.equal(v2.status, 0, v2.stdout + v2.stderr);
  const pipeline = parse(v2.stdout.slice(0, v2.stdout.search(/^✓/m) >= 0 ? v2.stdout.search(/^✓/m) : undefined)) as { exporters: Record<string, { endpoint?: string }> };
  assert.ok(Object.keys(pipeline.exporters).some((e) => e.startsWith('otlp')), v2.stdout);
  assert.equal(pipeline.exporters['prometheus']?.endpoint, `0.0.0.0:${full.environment!['BEYLA_PROMETHEUS_PORT']}`);
});

/** The one block of this component type, failing with what the file has when it is not there. */
function component(blocks: AlloyBlock[], type: string): AlloyBlock {
  const found = blocks.filter((b) => b.name === type);
  assert.equal(found.length, 1, `one ${type} in config.alloy (has ${blocks.map((b) => b.name).join(', ')})`);
  assert.ok(found[0]!.label, `${type} has a label`);
  return found[0]!;
}

test('Alloy config: OTLP in, Prometheus remote write and Tempo out, as Alloy documents its components', { skip: needTools('docker-compose') }, () => {
  const blocks = parseAlloy(readFileSync(join(COMPOSE, 'alloy/config.alloy'), 'utf8'));
  const services = composeConfig(FULL).services;
  // otelcol.receiver.otlp: grpc/http blocks with `endpoint`, an `output` block of metrics/traces consumers.
  const otlp = component(blocks, 'otelcol.receiver.otlp');
  const grpcPort = child(otlp, 'grpc')!.attrs['endpoint']!.toString().split(':').pop();
  const httpPort = child(otlp, 'http')!.attrs['endpoint']!.toString().split(':').pop();
  assert.deepEqual([grpcPort, httpPort], ['4317', '4318']);
  for (const p of [grpcPort, httpPort]) assert.ok(services['alloy']!.ports!.some((x) => String(x.target) === p && String(x.published) === p), `alloy publishes ${p}`);
  assert.equal(new URL(services['lumen']!.environment!['OTEL_EXPORTER_OTLP_ENDPOINT']!).port, httpPort, "Lumen's OTLP/HTTP endpoint is Alloy's");
  // otelcol.exporter.prometheus: `forward_to` a list of receivers; prometheus.remote_write: `endpoint { url }`.
  const toProm = component(blocks, 'otelcol.exporter.prometheus');
  const rw = component(blocks, 'prometheus.remote_write');
  assert.deepEqual(toProm.attrs['forward_to'], [`prometheus.remote_write.${rw.label}.receiver`]);
  const url = new URL(child(rw, 'endpoint')!.attrs['url'] as string);
  assert.equal(url.pathname, '/api/v1/write');
  assert.ok(services[url.hostname]?.command?.includes('--web.enable-remote-write-receiver'), `${url.hostname} accepts remote write`);
  // otelcol.exporter.otlp: `client { endpoint, tls { insecure } }` towards Tempo's OTLP gRPC receiver.
  const toTempo = component(blocks, 'otelcol.exporter.otlp');
  const [host, port] = (child(toTempo, 'client')!.attrs['endpoint'] as string).split(':');
  assert.equal(child(toTempo, 'client', 'tls')!.attrs['insecure'], 'true');
  assert.ok(services[host!], `${host} is a compose service`);
  const tempo = parse(readFileSync(join(COMPOSE, 'tempo/tempo.yaml'), 'utf8')) as { distributor: { receivers: { otlp: { protocols: { grpc: { endpoint: string } } } } } };
  assert.equal(tempo.distributor.receivers.otlp.protocols.grpc.endpoint.split(':').pop(), port);
  // Every reference in an output/forward_to names a declared component and what it exports (input / receiver).
  const declared = new Set(blocks.map((b) => `${b.name}.${b.label}.${b.name.startsWith('otelcol.') ? 'input' : 'receiver'}`));
  const refs = blocks.flatMap((b) => [b, ...b.blocks]).flatMap((b) => Object.values(b.attrs).filter(Array.isArray).flat());
  assert.ok(refs.length >= 5);
  for (const r of refs) assert.ok(declared.has(r), `${r} is declared in config.alloy`);
  assert.deepEqual(child(otlp, 'output')!.attrs['metrics'], child(otlp, 'output')!.attrs['traces']);
});

test('Grafana provisioning: data sources and the dashboards folder in the documented format', { skip: needTools('docker-compose') }, () => {
  const services = composeConfig(FULL).services;
  const grafana = services['grafana']!;
  const provisioning = grafana.volumes!.find((v) => v.includes(':/etc/grafana/provisioning'))!.split(':')[0]!;
  const ds = parse(readFileSync(join(provisioning, 'datasources/datasources.yaml'), 'utf8')) as { apiVersion: number; datasources: { name: string; type: string; uid: string; url: string; access: string }[] };
  assert.equal(ds.apiVersion, 1);
  assert.deepEqual(ds.datasources.map((d) => d.type).sort(), ['prometheus', 'tempo']);
  for (const d of ds.datasources) {
    assert.equal(d.access, 'proxy');
    assert.ok(services[new URL(d.url).hostname], `${d.name} points at a compose service`);
  }
  const dash = parse(readFileSync(join(provisioning, 'dashboards/lumen.yaml'), 'utf8')) as { apiVersion: number; providers: { type: string; options: { path: string } }[] };
  assert.equal(dash.apiVersion, 1);
  const [provider] = dash.providers;
  assert.equal(provider!.type, 'file');
  // The provider's path is where compose mounts deploy/grafana/dashboards.
  const mount = grafana.volumes!.find((v) => v.split(':')[1] === provider!.options.path);
  assert.ok(mount, `a volume mounts ${provider!.options.path}`);
  const dir = mount.split(':')[0]!;
  assert.equal(dir, join(ROOT, 'deploy/grafana/dashboards'));
  // The dashboards there (deploy/grafana/dashboards) are Grafana dashboard JSON whose data sources are provisioned:
  // a fixed uid must be one of ours, a type (or a `datasource` variable's query) must have a data source.
  const uids = new Set(ds.datasources.map((d) => d.uid));
  const types = new Set(ds.datasources.map((d) => d.type));
  const files = readdirSync(dir).filter((n) => n.endsWith('.json'));
  assert.ok(files.length > 0, `dashboards in ${dir}`);
  for (const f of files) {
    const d = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { title?: string; panels?: unknown[] };
    assert.ok(d.title && Array.isArray(d.panels) && d.panels.length > 0, `${f} is a dashboard with panels`);
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(visit);
      if (!node || typeof node !== 'object') return;
      const o = node as Record<string, unknown>;
      const ref = o['datasource'];
      if (ref && typeof ref === 'object') {
        const { uid, type } = ref as { uid?: string; type?: string };
        if (uid && !uid.startsWith('$')) assert.ok(uids.has(uid), `${f}: data source uid ${uid} is provisioned`);
        if (type) assert.ok(types.has(type), `${f}: a ${type} data source is provisioned`);
      }
      if (o['type'] === 'datasource' && typeof o['query'] === 'string') assert.ok(types.has(o['query']), `${f}: a ${o['query']} data source is provisioned`);
      Object.values(o).forEach(visit);
    };
    visit(d);
  }
});

let server: ChildProcess | undefined;
const podmanEnvironment = needTools('podman-compose', 'podman', 'mmdebstrap', 'curl') ? process.env : podmanEnv();
const LUMEN_PORT = 20405;
const composeEnv = { ...podmanEnvironment, LUMEN_IMAGE: `localhost/${IMAGE}`, PROMETHEUS_IMAGE, PROMETHEUS_PORT: String(PROMETHEUS_PORT), LUMEN_PORT: String(LUMEN_PORT) };
// Debian 12's podman-compose 1.0.3 ignores `pid:`; the host's PID namespace is passed to `podman run` instead.
const compose = (...args: string[]) => spawnSync('podman-compose', ['-p', 'lumen-minimal', '--podman-run-args=--pid=host', '-f', MINIMAL, ...args],
  { encoding: 'utf8', env: composeEnv });
after(() => cleanUp(() => { compose('down'); }, () => { server?.kill('SIGTERM'); }));

test('the minimal compose runs under podman-compose and Prometheus has Lumen\'s RED metrics', { skip: needTools('podman-compose', 'podman', 'mmdebstrap', 'curl') }, async () => {
  buildImage();
  podman(['build', '--layers', '--pull=never', '--network=host', '--runtime', 'runc', '--ulimit', 'nofile=1024:4096',
    '--ulimit', 'nproc=1024:4096', '-t', PROMETHEUS_IMAGE, '-f', join(ROOT, 'test/deploy/prometheus.Dockerfile'), join(ROOT, 'test/deploy')]);
  compose('down');
  const dir = mkdtempSync(join(tmpdir(), 'lumen-compose-'));
  writeFileSync(join(dir, 'index.html'), 'hello\n');
  server = spawn('python3', ['-m', 'http.server', String(SERVER_PORT), '--bind', '127.0.0.1', '--directory', dir], { stdio: 'ignore' });
  const up = compose('up', '-d');
  assert.equal(up.status, 0, `podman-compose up: ${up.stdout}${up.stderr}`);

  const query = `sum(http_server_request_duration_seconds_count{server_port="${SERVER_PORT}"})`;
  let last = '';
  for (let i = 0; i < 120; i++) {
    spawnSync('curl', ['-s', '-o', '/dev/null', `http://127.0.0.1:${SERVER_PORT}/`]);
    const r = spawnSync('curl', ['-s', `http://127.0.0.1:${PROMETHEUS_PORT}/api/v1/query`, '--data-urlencode', `query=${query}`], { encoding: 'utf8' });
    last = r.stdout;
    const value = (JSON.parse(last || '{}') as { data?: { result?: { value: [number, string] }[] } }).data?.result?.[0]?.value[1];
    if (value && Number(value) > 0) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  const logs = compose('logs');
  assert.fail(`Prometheus never had ${query}; last answer ${last}\n${logs.stdout.slice(-3000)}${logs.stderr.slice(-1000)}`);
});


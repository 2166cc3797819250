// Beyla/OBI configuration files and environment variables → Lumen pipelines (#12 items 1–2): every testdata
// file validates and translates to the pipelines it means; every supported variable changes the translation
// (a variable that stops being honoured fails its row); unknown keys and variables are warned with positions
// and suggestions. The real runs (servers, Prometheus, OTLP) are in beyla-run.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { validateConfig } from '../src/config/validate.js';
import { formatIssue } from '../src/config/errors.js';
import { ENV_SUFFIXES, STANDARD_ENV } from '../src/config/beyla/index.js';
import { builtinRegistry } from '../distribution/default-registry.js';
import { runLumen } from './support/cli-process.js';

const DIR = new URL('./testdata/beyla/', import.meta.url).pathname;
const ENV = { SERVER_PORT: '20001', PROM_PORT: '20002', OTLP_A: 'http://127.0.0.1:20003', OTLP_B: 'http://127.0.0.1:20004', TOKEN_A: 'secret-a', TENANT: 'team-1' };
const registry = builtinRegistry();

function translate(yaml: string, env: Record<string, string> = {}, file = 'beyla.yml', format?: 'beyla') {
  const r = validateConfig({ yaml, file, env, format }, registry);
  return { r, doc: r.beyla?.printable as any, config: r.config as any, errors: r.errors.map(formatIssue), warnings: r.warnings.map(formatIssue) };
}

test('every Beyla testdata file validates and is read as Beyla (no service: section)', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.yml'));
  assert.ok(files.length >= 7);
  for (const f of files) {
    const t = translate(readFileSync(join(DIR, f), 'utf8'), ENV, f);
    assert.deepEqual(t.errors, [], f);
    assert.ok(t.doc, `${f} is translated`);
    assert.ok(t.config.service.pipelines, f);
  }
});

test('minimal: open_port + prometheus_export.port → kernel_socket and tls_uprobe into prometheus on 0.0.0.0:<port>, no traces pipeline', () => {
  const t = translate(readFileSync(join(DIR, 'minimal.yml'), 'utf8'), ENV);
  assert.deepEqual(t.doc.discovery, { instrument: [{ open_ports: '${SERVER_PORT}' }] }, 'the reference is kept for migrate');
  assert.deepEqual(t.config.discovery.instrument, [{ open_ports: 20001 }]);
  assert.deepEqual(t.config.exporters.prometheus.endpoint, { host: '0.0.0.0', port: 20002 });
  assert.deepEqual(Object.keys(t.config.service.pipelines), ['metrics']);
  assert.deepEqual(t.config.service.pipelines.metrics, { receivers: ['kernel_socket', 'tls_uprobe'], processors: ['routes'], exporters: ['prometheus'] });
  assert.deepEqual(t.warnings, []);
});

test('port + executable: globs kept, regular expressions turned into globs, names and namespaces, routes, log level', () => {
  const t = translate(readFileSync(join(DIR, 'port-and-executable.yml'), 'utf8'), ENV);
  assert.deepEqual(t.config.discovery.instrument, [
    { open_ports: 20001, exe_path: '*/python3*', name: 'catalog', namespace: 'shop' },
    { exe_path: '*nginx', name: 'frontend' },
  ]);
  assert.deepEqual(t.config.discovery.exclude_instrument, [{ exe_path: '*/sshd' }]);
  assert.equal(t.config.exporters.print_traces.format, 'text');
  assert.deepEqual(t.config.processors.routes.patterns, ['/items/{id}']);
  assert.equal(t.config.service.telemetry.logs.level, 'info');
  assert.deepEqual(t.config.service.pipelines.traces.exporters, ['print_traces']);
});

test('list-form exporters: one otlp exporter per entry, headers from ${VAR} (kept as references for migrate), metrics interval', () => {
  const t = translate(readFileSync(join(DIR, 'list-exporters.yml'), 'utf8'), ENV);
  assert.deepEqual(t.config.service.pipelines.traces.exporters, ['otlp/traces_1', 'otlp/traces_2']);
  assert.deepEqual(t.config.service.pipelines.metrics.exporters, ['otlp/metrics']);
  assert.deepEqual(t.config.exporters['otlp/traces_1'].headers, { Authorization: 'Bearer secret-a' });
  assert.deepEqual(t.doc.exporters['otlp/traces_1'].headers, { Authorization: 'Bearer ${TOKEN_A}' });
  assert.equal(t.config.exporters['otlp/traces_2'].protocol, 'grpc');
  assert.equal(t.config.exporters['otlp/traces_2'].insecure, true);
  assert.deepEqual(t.config.exporters['otlp/traces_2'].headers, { 'x-scope-orgid': 'team-1' });
  assert.equal(t.config.exporters['otlp/metrics'].metrics.interval, 1000);
});

test('network: flows pipeline from network_flow with the cidrs, interfaces and allowed attributes', () => {
  const t = translate(readFileSync(join(DIR, 'network.yml'), 'utf8'), ENV);
  assert.deepEqual(t.config.receivers.network_flow.cidrs, ['127.0.0.0/8', '10.0.0.0/8']);
  assert.deepEqual(t.config.receivers.network_flow.interfaces, ['lo']);
  assert.equal(t.config.receivers.network_flow.cache_active_timeout, 1000);
  assert.deepEqual(t.config.service.pipelines.flows, { receivers: ['network_flow'], processors: ['attributes/flows'], exporters: ['prometheus'] });
  assert.deepEqual(t.config.processors['attributes/flows'].select['lumen.network.flow.bytes'].include, ['direction', 'src.cidr', 'dst.cidr', 'transport']);
});

test('otel: shorthand → one otlp exporter in the traces and metrics pipelines', () => {
  const t = translate(readFileSync(join(DIR, 'otel-shorthand.yml'), 'utf8'), ENV);
  assert.equal(t.config.exporters.otlp.endpoint, 'http://127.0.0.1:20003');
  assert.deepEqual(t.config.service.pipelines.traces.exporters, ['otlp']);
  assert.deepEqual(t.config.service.pipelines.metrics.exporters, ['otlp']);
  const off = translate('open_port: 80\notel:\n  endpoint: http://c:4318\n  metrics: false\n');
  assert.deepEqual(Object.keys(off.config.service.pipelines), ['traces']);
});

test('sampling and filters: sampler → sampling processor in traces, filter.application → keep, ignored route patterns', () => {
  const t = translate(readFileSync(join(DIR, 'sampling-filters.yml'), 'utf8'), ENV);
  assert.deepEqual(t.config.processors.sampling, { sampler: 'parentbased_traceidratio', ratio: 1 });
  assert.deepEqual(t.config.service.pipelines.traces.processors, ['filter', 'routes', 'sampling']);
  assert.deepEqual(t.config.processors.filter.keep, { 'url.path': { not_match: '/internal/*' }, 'http.request.method': { match: 'GET' } });
  assert.deepEqual(t.config.processors.routes.ignored_patterns, ['/healthz']);
  assert.deepEqual(t.config.service.pipelines.traces.exporters, ['otlp/traces', 'print_traces']);
  assert.equal(t.config.exporters.print_traces.format, 'json');
});

test('warnings: one per unknown or unsupported key, at file:line:col, with the right key suggested; never fatal', () => {
  const t = translate(readFileSync(join(DIR, 'warnings.yml'), 'utf8'), {}, 'warnings.yml');
  assert.deepEqual(t.errors, []);
  assert.deepEqual(t.warnings, [
    'warnings.yml:2:1 otel_trace_export: warning: unknown Beyla/OBI key (did you mean "otel_traces_export"?); ignored',
    'warnings.yml:6:3 prometheus_export.native_histogram: warning: native histograms are not supported yet: classic buckets are served',
    'warnings.yml:9:7 discovery.instrument[0]: warning: selects by k8s_namespace, which needs Kubernetes/container metadata Lumen does not have yet; this entry is left out, the others run',
    'warnings.yml:11:7 discovery.instrument[1].k8s_deployment_name: warning: needs Kubernetes metadata, which Lumen does not have yet; this selector is left out',
    'warnings.yml:14:5 attributes.kubernetes.enable: warning: Kubernetes metadata is not supported yet: spans and metrics carry no k8s.* attributes; the rest runs',
    'warnings.yml:16:3 ebpf.wakeup_len: warning: has no equivalent in Lumen (the ring buffer is polled (kernel_socket.poll_interval)); ignored',
    'warnings.yml:17:3 ebpf.context_propagation: warning: "all": Lumen injects the traceparent HTTP header only (as "headers"); context in IP/TCP options is not supported',
    'warnings.yml:19:3 network.enabel: warning: unknown key (did you mean "enable"?); ignored',
    'warnings.yml:21:27 metrics.features[1]: warning: feature "application_service_graph": service graph metrics are not supported yet; the other features run',
    'warnings.yml:21:54 metrics.features[2]: warning: unknown metrics feature "netwrok" (did you mean "network"?); ignored',
    'warnings.yml:22:1 print_trace: warning: unknown Beyla/OBI key (did you mean "print_traces"?); ignored',
  ]);
  // The rest runs: port 8080 instrumented (the k8s-only entry left out), metrics on 9400.
  assert.deepEqual(t.config.discovery.instrument, [{ open_ports: 8080 }, { open_ports: 8080 }]);
  assert.deepEqual(t.config.exporters.prometheus.endpoint, { host: '0.0.0.0', port: 9400 });
  assert.equal(t.config.receivers.kernel_socket.context_propagation, 'headers', '"all" keeps its header half');
});

test('a later error in a translated value points at the Beyla key it comes from', () => {
  const t = translate('open_port: 80\nprometheus_export:\n  port: 9400\n  path: metrics\n');
  assert.deepEqual(t.errors, ['beyla.yml:4:9 exporters.prometheus.path: must match /^/\\S*$/, got "metrics"']);
});

test('nothing to export is the one error (exit 2), naming what to set', () => {
  const t = translate('open_port: 80\n');
  assert.match(t.errors[0]!, /nothing to export: set prometheus_export\.port/);
});

/** Each row: the variables set, and what must change in the translated configuration. */
const ENV_ROWS: [Record<string, string>, (c: any) => unknown, unknown][] = [
  [{ BEYLA_OPEN_PORT: '8080-8090' }, (c) => c.discovery.instrument[0].open_ports, '8080-8090'],
  [{ OTEL_EBPF_OPEN_PORT: '8081' }, (c) => c.discovery.instrument[0].open_ports, 8081],
  [{ BEYLA_AUTO_TARGET_EXE: '*/python3' }, (c) => c.discovery.instrument[0].exe_path, '*/python3'],
  [{ OTEL_GO_AUTO_TARGET_EXE: '*/api' }, (c) => c.discovery.instrument[0].exe_path, '*/api'],
  [{ BEYLA_EXECUTABLE_NAME: 'nginx' }, (c) => c.discovery.instrument[0].exe_path, '*nginx*'],
  [{ BEYLA_EXECUTABLE_PATH: '^/usr/bin/node$' }, (c) => c.discovery.instrument[0].exe_path, '/usr/bin/node'],
  [{ BEYLA_AUTO_TARGET_LANGUAGE: 'java' }, (c) => c.discovery.instrument[0].languages, ['java']],
  [{ BEYLA_TARGET_PID: '42,43' }, (c) => c.discovery.instrument[0].target_pids, [42, 43]],
  [{ BEYLA_TARGET_PIDS: '44' }, (c) => c.discovery.instrument[0].target_pids, [44]],
  [{ BEYLA_SERVICE_NAME: 'shop' }, (c) => c.discovery.instrument[0].name, 'shop'],
  [{ OTEL_SERVICE_NAME: 'otel-shop' }, (c) => c.discovery.instrument[0].name, 'otel-shop'],
  [{ BEYLA_SERVICE_NAMESPACE: 'prod' }, (c) => c.discovery.instrument[0].namespace, 'prod'],
  [{ BEYLA_TRACE_PRINTER: 'json' }, (c) => c.exporters.print_traces.format, 'json'],
  [{ BEYLA_PRINT_TRACES: 'true' }, (c) => c.exporters.print_traces.format, 'text'],
  [{ OTEL_TRACES_EXPORTER: 'console' }, (c) => c.exporters.print_traces.format, 'text'],
  [{ BEYLA_PROMETHEUS_PORT: '9999' }, (c) => c.exporters.prometheus.endpoint.port, 9999],
  [{ BEYLA_PROMETHEUS_PATH: '/m' }, (c) => c.exporters.prometheus.path, '/m'],
  [{ BEYLA_PROMETHEUS_TTL: '30s' }, (c) => c.exporters.prometheus.ttl, 30_000],
  [{ BEYLA_LOG_LEVEL: 'DEBUG' }, (c) => c.service.telemetry.logs.level, 'debug'],
  [{ BEYLA_LOG_FORMAT: 'json' }, (c) => c.service.telemetry.logs.format, 'json'],
  [{ BEYLA_SHUTDOWN_TIMEOUT: '3s' }, (c) => c.service.shutdown_timeout, '3s'],
  [{ BEYLA_NETWORK_METRICS: 'true' }, (c) => c.service.pipelines.flows?.receivers, ['network_flow']],
  [{ BEYLA_METRICS_FEATURES: 'network' }, (c) => [c.service.pipelines.flows?.receivers, c.service.pipelines.metrics], [['network_flow'], undefined]],
  [{ BEYLA_PROMETHEUS_FEATURES: 'application,stats' }, (c) => c.service.pipelines.metrics.receivers, ['kernel_socket', 'tls_uprobe', 'network_flow']],
  [{ BEYLA_NETWORK_METRICS: 'true', BEYLA_NETWORK_CIDRS: '10.0.0.0/8,192.168.0.0/16' }, (c) => c.receivers.network_flow.cidrs, ['10.0.0.0/8', '192.168.0.0/16']],
  [{ BEYLA_NETWORK_METRICS: 'true', BEYLA_NETWORK_SOURCE: 'tc' }, (c) => c.receivers.network_flow.source, 'tc'],
  [{ BEYLA_NETWORK_METRICS: 'true', BEYLA_NETWORK_CACHE_MAX_FLOWS: '777' }, (c) => c.receivers.network_flow.cache_max_flows, 777],
  [{ BEYLA_NETWORK_METRICS: 'true', BEYLA_NETWORK_CACHE_ACTIVE_TIMEOUT: '3s' }, (c) => c.receivers.network_flow.cache_active_timeout, 3000],
  [{ BEYLA_NETWORK_METRICS: 'true', BEYLA_NETWORK_INTERFACES: 'eth0,eth1' }, (c) => c.receivers.network_flow.interfaces, ['eth0', 'eth1']],
  [{ BEYLA_NETWORK_METRICS: 'true', BEYLA_NETWORK_EXCLUDE_INTERFACES: 'docker0' }, (c) => c.receivers.network_flow.exclude_interfaces, ['docker0']],
  [{ BEYLA_NETWORK_METRICS: 'true', BEYLA_NETWORK_PROTOCOLS: 'TCP' }, (c) => c.receivers.network_flow.protocols, ['tcp']],
  [{ BEYLA_NETWORK_METRICS: 'true', BEYLA_NETWORK_EXCLUDE_PROTOCOLS: 'udp' }, (c) => c.receivers.network_flow.exclude_protocols, ['udp']],
  [{ BEYLA_NETWORK_METRICS: 'true', BEYLA_NETWORK_DEDUPER: 'none' }, (c) => c.receivers.network_flow.deduper, 'none'],
  [{ BEYLA_NETWORK_METRICS: 'true', BEYLA_NETWORK_PRINT_FLOWS: 'true' }, (c) => c.service.pipelines.flows.exporters.includes('print_flows'), true],
  [{ BEYLA_NETWORK_METRICS: 'true', BEYLA_NETWORK_ALLOWED_ATTRIBUTES: 'direction' }, (c) => c.processors['attributes/flows'].select['lumen.network.flow.bytes'].include, ['direction']],
  [{ BEYLA_ROUTES_UNMATCHED: 'path' }, (c) => c.processors.routes.unmatched, 'path'],
  [{ BEYLA_BPF_HTTP_REQUEST_TIMEOUT: '7s' }, (c) => c.receivers.kernel_socket.request_timeout, 7000],
  [{ BEYLA_BPF_BUFFER_SIZE_HTTP: '512' }, (c) => c.receivers.kernel_socket.capture_bytes, 512],
  [{ BEYLA_BPF_CONTEXT_PROPAGATION: 'headers' }, (c) => c.receivers.kernel_socket.context_propagation, 'headers'],
  [{ OTEL_EBPF_BPF_CONTEXT_PROPAGATION: 'all' }, (c) => c.receivers.kernel_socket.context_propagation, 'headers'],
  [{ BEYLA_BPF_CONTEXT_PROPAGATION: 'ip' }, (c) => c.receivers.kernel_socket.context_propagation, 'disabled'],
  [{ BEYLA_BPF_CONTEXT_PROPAGATION: 'disabled' }, (c) => c.receivers.kernel_socket.context_propagation, 'disabled'],
  [{ BEYLA_HOSTNAME: 'node-7' }, (c) => c.processors.attributes.actions[0], { key: 'host.name', action: 'upsert', value: 'node-7', context: 'resource' }],
  [{ OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod' }, (c) => c.processors.attributes.actions[0], { key: 'deployment.environment', action: 'upsert', value: 'prod', context: 'resource' }],
  [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://alloy:4318' }, (c) => [c.service.pipelines.traces.exporters, c.service.pipelines.metrics.exporters], [['otlp/traces'], ['otlp/metrics', 'prometheus']]],
  [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t:4318' }, (c) => c.exporters['otlp/traces'].endpoint, 'http://t:4318'],
  [{ OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://m:4318/custom' }, (c) => c.exporters['otlp/metrics'].metrics_endpoint, 'http://m:4318/custom'],
  [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://a:4317' }, (c) => c.exporters['otlp/traces'].protocol, 'grpc'],
  [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://a:4318' }, (c) => c.exporters['otlp/metrics'].protocol, 'http/json'],
  [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_TRACES_EXPORTER: 'none' }, (c) => c.service.pipelines.traces, undefined],
  [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_METRICS_EXPORTER: 'none' }, (c) => c.service.pipelines.metrics.exporters, ['prometheus']],
  [{ BEYLA_METRICS_INTERVAL: '2s', OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://a:4318' }, (c) => c.exporters['otlp/metrics'].metrics.interval, 2000],
  [{ BEYLA_OTEL_METRICS_FEATURES: 'network', OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://a:4318' }, (c) => c.service.pipelines.flows.exporters, ['otlp/metrics', 'prometheus']],
  [{ BEYLA_OTEL_METRICS_TTL: '1m', OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://a:4318' }, (c) => c.exporters['otlp/metrics'].metrics.ttl, 60_000],
  [{ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t:4318' }, (c) => c.processors.sampling, { sampler: 'traceidratio', ratio: 0.25 }],
];

/** Variables that only produce a warning (the option has no effect in Lumen): each must still be read. */
const WARN_ONLY: Record<string, string> = {
  BEYLA_KUBE_METADATA_ENABLE: 'true', BEYLA_BPF_CONTEXT_PROPAGATION: 'all', BEYLA_BPF_BATCH_LENGTH: '10', BEYLA_BPF_BATCH_TIMEOUT: '1s',
  BEYLA_BPF_WAKEUP_LEN: '5', BEYLA_BPF_TRACK_REQUEST_HEADERS: 'true', BEYLA_BPF_HIGH_REQUEST_VOLUME: 'true', BEYLA_BPF_HEURISTIC_SQL_DETECT: 'true',
  BEYLA_BPF_TC_BACKEND: 'tc', BEYLA_NETWORK_DIRECTION: 'ingress', BEYLA_NETWORK_SAMPLING: '10', BEYLA_SKIP_GO_SPECIFIC_TRACERS: 'true',
  BEYLA_EXCLUDE_OTEL_INSTRUMENTED_SERVICES: 'true', BEYLA_INTERNAL_METRICS_PROMETHEUS_PORT: '9090', BEYLA_PROFILE_PORT: '6060', BEYLA_ENFORCE_SYS_CAPS: 'true',
};

test('every supported environment variable changes the translation (env over file, as in Beyla)', () => {
  const base = 'open_port: 80\nprometheus_export:\n  port: 9400\n';
  const covered = new Set<string>();
  for (const [env, pick, expected] of ENV_ROWS) {
    const t = translate(base, env);
    assert.deepEqual(t.errors, [], JSON.stringify(env));
    assert.deepEqual(pick(t.config), expected, JSON.stringify(env));
    for (const k of Object.keys(env)) covered.add(k.replace(/^(BEYLA|OTEL_EBPF)_/, ''));
  }
  for (const [name, value] of Object.entries(WARN_ONLY)) {
    const t = translate(base, { [name]: value });
    assert.ok(t.warnings.some((w) => w.startsWith(`${name}: warning:`)), `${name} is read and warned about: ${t.warnings.join('\n')}`);
    covered.add(name.replace(/^BEYLA_/, ''));
  }
  const missing = [...ENV_SUFFIXES.filter((s) => !covered.has(s)), ...STANDARD_ENV.filter((s) => !covered.has(s))];
  assert.deepEqual(missing, [], 'every variable the overlay reads has a row');
  // Env over file.
  const over = translate('open_port: 80\nprometheus_export:\n  port: 9400\nlog_level: INFO\n', { BEYLA_PROMETHEUS_PORT: '9500', BEYLA_LOG_LEVEL: 'error' });
  assert.equal(over.config.exporters.prometheus.endpoint.port, 9500);
  assert.equal(over.config.service.telemetry.logs.level, 'error');
});

test('unknown BEYLA_* / OTEL_EBPF_* variables are warned with the closest name; prefix picks the metric naming flavour', () => {
  const t = translate('open_port: 80\nprometheus_export:\n  port: 9400\n', { BEYLA_OPEN_PROT: '81' });
  assert.deepEqual(t.warnings, ['BEYLA_OPEN_PROT: warning: unknown BEYLA variable (did you mean BEYLA_OPEN_PORT?); ignored']);
  assert.equal(translate('', { BEYLA_OPEN_PORT: '80', BEYLA_PROMETHEUS_PORT: '9400' }, '', 'beyla').r.beyla!.flavor, 'beyla');
  assert.equal(translate('', { OTEL_EBPF_OPEN_PORT: '80', OTEL_EBPF_PROMETHEUS_PORT: '9400' }, '', 'beyla').r.beyla!.flavor, 'obi');
});

test('lumen migrate prints a pipelines.yaml that validates as Lumen configuration; --print-pipeline the same', async () => {
  const file = join(DIR, 'list-exporters.yml');
  const m = await runLumen(['migrate', file], ENV);
  assert.equal(m.code, 0, m.stderr);
  const doc = parse(m.stdout);
  assert.deepEqual(doc.exporters['otlp/traces_1'].headers, { Authorization: 'Bearer ${TOKEN_A}' }, 'secrets stay references');
  const back = validateConfig({ yaml: m.stdout, file: 'pipelines.yaml', env: ENV }, registry);
  assert.deepEqual(back.errors.map(formatIssue), []);
  assert.equal(back.beyla, undefined, 'read as a Lumen file');
  const v = await runLumen(['validate', '--print-pipeline', '-c', file], ENV);
  assert.equal(v.code, 0, v.stderr);
  assert.equal(v.stdout, m.stdout);
  assert.match(v.stderr, /✓ construction/);
  const bad = await runLumen(['migrate', join(DIR, 'warnings.yml')], {});
  assert.equal(bad.code, 0);
  assert.match(bad.stderr, /warnings\.yml:2:1 otel_trace_export: warning: unknown Beyla\/OBI key \(did you mean "otel_traces_export"\?\)/);
});

test('metric_prefix beyla / obi on the prometheus and otlp exporters (only where the exporter has the option)', () => {
  const yaml = 'open_port: 80\nprometheus_export:\n  port: 9400\notel_metrics_export:\n  endpoint: http://c:4318\n';
  const beyla = validateConfig({ yaml, file: 'b.yml', env: {} }, registry);
  assert.equal((beyla.config!.exporters['prometheus'] as any).metric_prefix, 'beyla');
  assert.equal((beyla.config!.exporters['otlp/metrics'] as any).metric_prefix, 'beyla');
  const obi = validateConfig({ yaml, file: 'o.yml', env: {}, flavor: 'obi' }, registry);
  assert.equal((obi.config!.exporters['prometheus'] as any).metric_prefix, 'obi');
  assert.equal(validateConfig({ yaml, file: 'o.yml', env: { OTEL_EBPF_LOG_LEVEL: 'info' } }, registry).beyla!.flavor, 'obi');
  // An exporter replaced by one without the option (an embedding program's own) gets nothing it would refuse.
  const without = registry.copy();
  const f = registry.get('exporter', 'prometheus')!;
  const { metric_prefix: _, ...props } = f.schema['properties'] as Record<string, unknown>;
  without.register({ ...f, schema: { ...f.schema, properties: props } } as typeof f, { replace: true });
  const plain = validateConfig({ yaml, file: 'b.yml', env: {} }, without);
  assert.equal((plain.beyla!.printable as any).exporters.prometheus.metric_prefix, undefined);
});

test('which configuration: -c, LUMEN_CONFIG, BEYLA_CONFIG_PATH, OTEL_EBPF_CONFIG_PATH, ./pipelines.yaml, then the variables alone', async () => {
  const { chooseConfig } = await import('../distribution/cli/options.js');
  const none = () => false;
  const some = () => true;
  assert.deepEqual(chooseConfig({ config: 'a.yml' }, { LUMEN_CONFIG: 'b', BEYLA_CONFIG_PATH: 'c' }, none), { path: 'a.yml', label: 'a.yml' });
  assert.deepEqual(chooseConfig({}, { LUMEN_CONFIG: 'b', BEYLA_CONFIG_PATH: 'c' }, none), { path: 'b', label: 'b' });
  assert.deepEqual(chooseConfig({}, { BEYLA_CONFIG_PATH: 'c', OTEL_EBPF_CONFIG_PATH: 'd' }, none), { path: 'c', label: 'c', flavor: 'beyla' });
  assert.deepEqual(chooseConfig({}, { OTEL_EBPF_CONFIG_PATH: 'd' }, none), { path: 'd', label: 'd', flavor: 'obi' });
  assert.deepEqual(chooseConfig({}, { BEYLA_OPEN_PORT: '8080' }, some), { path: 'pipelines.yaml', label: 'pipelines.yaml' }, './pipelines.yaml first');
  for (const v of ['BEYLA_OPEN_PORT', 'OTEL_EBPF_OPEN_PORT', 'BEYLA_AUTO_TARGET_EXE', 'BEYLA_EXECUTABLE_NAME', 'BEYLA_EXECUTABLE_PATH', 'BEYLA_TARGET_PID', 'OTEL_GO_AUTO_TARGET_EXE']) {
    assert.deepEqual(chooseConfig({}, { [v]: '8080' }, none), { path: '', label: '(environment)', format: 'beyla' }, v);
  }
  assert.deepEqual(chooseConfig({}, { BEYLA_PROMETHEUS_PORT: '9400' }, none), { path: 'pipelines.yaml', label: 'pipelines.yaml' }, 'nothing to instrument: today\'s default');
});

test('a bad value from a variable is that variable\'s error (exit 2), saying which option it sets', () => {
  const t = translate('', { BEYLA_OPEN_PORT: 'http', BEYLA_PROMETHEUS_PORT: '9400', BEYLA_PROMETHEUS_PATH: 'metrics' }, '', 'beyla');
  assert.deepEqual(t.errors, [
    'BEYLA_OPEN_PORT: must be port ranges like "80,443,8000-8999" (ports 1-65535), got "http" (it sets discovery.instrument[0].open_ports)',
    'BEYLA_PROMETHEUS_PATH: must match /^/\\S*$/, got "metrics" (it sets exporters.prometheus.path)',
  ]);
});

test('BEYLA_* variables next to a Lumen pipelines file are warned about, not silently ignored', () => {
  const lumen = readFileSync(new URL('../pipelines.yaml', import.meta.url), 'utf8');
  const t = translate(lumen, { BEYLA_OPEN_PORT: '8080', BEYLA_CONFIG_PATH: 'x' }, 'pipelines.yaml');
  assert.equal(t.doc, undefined, 'read as Lumen');
  assert.deepEqual(t.warnings, ['BEYLA_OPEN_PORT: warning: ignored: pipelines.yaml is a Lumen pipelines file; BEYLA_*/OTEL_EBPF_* variables apply to Beyla/OBI configurations (run without the file, or write the option in it)']);
});

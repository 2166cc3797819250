import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from '../src/config/validate.js';
import { loadConfig } from '../src/config/load.js';
import { ConfigError, formatIssue } from '../src/config/errors.js';
import { expandEnv } from '../src/config/env.js';
import { FactoryRegistry } from '../src/component/registry.js';
import { registerDiscoverySection } from '../src/discovery/index.js';
import { memoryExporterFactory, pushReceiverFactory, tagProcessorFactory } from './support/factories.js';

const registry = () => registerDiscoverySection(new FactoryRegistry([
  pushReceiverFactory().factory,
  tagProcessorFactory().factory,
  memoryExporterFactory().factory,
  memoryExporterFactory('prom', ['metrics']).factory,
]));

const errorsOf = (yaml: string, env: Record<string, string> = {}) =>
  validateConfig({ yaml, file: 'pipelines.yaml', env }, registry()).errors.map(formatIssue);

const PIPE = 'service:\n  pipelines:\n    traces: { receivers: [push], exporters: [memory] }\n';

test('env expansion: set, default, empty default, escape, Collector spelling', () => {
  const env = { HOST: 'h', EMPTY: '' };
  assert.equal(expandEnv('${HOST}:1', env).value, 'h:1');
  assert.equal(expandEnv('${MISSING:-d}', env).value, 'd');
  assert.equal(expandEnv('${EMPTY:-d}', env).value, 'd');
  assert.equal(expandEnv('${EMPTY-d}', env).value, '');
  assert.equal(expandEnv('${env:HOST}', env).value, 'h');
  assert.equal(expandEnv('$${HOST}', env).value, '${HOST}');
  assert.equal(expandEnv('cost $5', env).value, 'cost $5');
  assert.equal(expandEnv('${HOST}', env).whole, true);
  assert.equal(expandEnv('x${HOST}', env).whole, false);
  assert.throws(() => expandEnv('${MISSING}', env), /environment variable MISSING is not set, set it or write \$\{MISSING:-default\}/);
  assert.throws(() => expandEnv('${1BAD}', env), /invalid variable reference "\$\{1BAD\}"/);
  assert.throws(() => expandEnv('${HOST', env), /unterminated/);
});

test('env expansion happens before validation, keeps positions, types whole plain scalars', () => {
  const yaml = `receivers:\n  push: { label: "\${LABEL}" }\nexporters:\n  memory:\n    endpoint: \${EP}\n${PIPE}  queue_size: \${Q}\n`;
  const r = validateConfig({ yaml, file: 'p.yaml', env: { LABEL: '123', EP: '127.0.0.1:19100', Q: '64' } }, registry());
  assert.deepEqual(r.errors, []);
  assert.equal((r.config!.receivers['push'] as { label: string }).label, '123'); // quoted: stays a string
  assert.equal(r.config!.service.queue_size, 64); // plain: typed as YAML would
  assert.deepEqual(errorsOf(yaml.replace('${EP}', '${EP:-9400}'), { LABEL: 'x', Q: '1' }), [
    'pipelines.yaml:5:15 exporters.memory.endpoint: must be host:port, got 9400',
  ]);
  assert.deepEqual(errorsOf(yaml, { LABEL: 'x', Q: '1' }), [
    'pipelines.yaml:5:15 exporters.memory.endpoint: environment variable EP is not set, set it or write ${EP:-default}',
  ]);
});

test('defaults are applied, config is deep-frozen, warnings do not fail', () => {
  const yaml = `receivers:\n  push:\nexporters:\n  memory:\n  prom:\n${PIPE}`;
  const r = validateConfig({ yaml, file: 'p.yaml', env: {} }, registry());
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.warnings.map(formatIssue), ['p.yaml:5:3 exporters.prom: warning: exporter not used by any pipeline, it will not be started']);
  const c = r.config!;
  assert.deepEqual(c.receivers['push'], { label: 'x' });
  assert.deepEqual(c.exporters['memory'], { endpoint: '127.0.0.1:19101' });
  assert.equal(c.service.shutdown_timeout, '10s');
  assert.equal(c.service.queue_size, 16384);
  assert.deepEqual(c.service.telemetry, { logs: { level: 'info', format: 'text' }, metrics: { enabled: true } });
  assert.deepEqual(c.service.pipelines['traces'], { receivers: ['push'], processors: [], exporters: ['memory'] });
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.receivers['push']) && Object.isFrozen(c.service.pipelines['traces']!.exporters));
  assert.ok(Array.isArray((c.discovery as { instrument: unknown[] }).instrument), 'discovery defaults applied');
  assert.equal(r.stages.map((s) => `${s.stage}:${s.status}`).join(' '), 'parse:ok schema:ok graph:ok');
});

test('object input: same validation, messages without file positions', () => {
  const reg = registry();
  const ok = loadConfig({ object: { receivers: { push: null }, exporters: { memory: {} }, service: { pipelines: { traces: { receivers: ['push'], exporters: ['memory'] } } } }, env: {} }, reg);
  assert.equal(ok.config.exporters['memory'] !== undefined, true);
  assert.throws(
    () => loadConfig({ object: { receivers: { push: {} }, exporters: { memory: { endpoint: 'x' } }, service: { pipelines: { traces: { receivers: ['push'], exporters: ['memory'] } } } }, env: {} }, reg),
    (e: unknown) => e instanceof ConfigError && e.stage === 'schema' && e.message === 'exporters.memory.endpoint: must be host:port, got "x"',
  );
});

test('every schema error is reported at once, in file order', () => {
  const yaml = [
    'discovery:',
    '  instrument: [{ open_ports: "abc" }, {}]',
    'receivers:',
    '  push/b:',
    '    label: 5',
    '  kafka: {}',
    '  Bad-Id: {}',
    'processors:',
    '  tag: { mode: c, valeu: x }',
    'exporters:',
    '  memory: [1]',
    'service:',
    '  pipelines:',
    '    logs: {}',
    '  telemetry: { logs: { level: verbose } }',
    '  shutdown_timeout: 10',
  ].join('\n');
  assert.deepEqual(errorsOf(yaml), [
    'pipelines.yaml:2:30 discovery.instrument[0].open_ports: must be port ranges like "80,443,8000-8999" (ports 1-65535), got "abc"',
    'pipelines.yaml:2:39 discovery.instrument[1]: must set at least one of: open_ports, exe_path, cmd_args, target_pids, languages, containers_only',
    'pipelines.yaml:5:12 receivers.push/b.label: must be a string, got 5',
    'pipelines.yaml:6:3 receivers.kafka: unknown receiver type "kafka", known: push',
    'pipelines.yaml:7:3 receivers.Bad-Id: invalid receiver id, write <type> or <type>/<name> with a lower_snake_case type',
    'pipelines.yaml:9:16 processors.tag.mode: must be one of "a", "b", got "c"',
    'pipelines.yaml:9:19 processors.tag.valeu: unknown key (did you mean "value"?), allowed: key, value, mode',
    'pipelines.yaml:11:11 exporters.memory: must be a mapping of memory options, got a list',
    'pipelines.yaml:14:5 service.pipelines.logs: unknown pipeline "logs", allowed: traces, metrics, flows, each optionally with a /name suffix (e.g. traces/backend)',
    'pipelines.yaml:15:31 service.telemetry.logs.level: must be one of "debug", "info", "warn", "error", "silent", got "verbose"',
    'pipelines.yaml:16:21 service.shutdown_timeout: must be a duration like "5s", "250ms", "1m30s" (units ns, us, ms, s, m, h), got 10',
  ]);
});

test('graph errors name the pipeline entry; unused components warn', () => {
  const yaml = [
    'receivers: { push: , push/unused: }',
    'processors: { tag: }',
    'exporters: { memory: , prom: , memory/idle: }',
    'service:',
    '  pipelines:',
    '    traces:',
    '      receivers: [push, push]',
    '      processors: [tag]',
    '      exporters: [memory, prom, otlp]',
    '    flows: { receivers: [push], processors: [tag], exporters: [] }',
    '    metrics/x: { exporters: [prom] }',
  ].join('\n');
  const r = validateConfig({ yaml, file: 'pipelines.yaml', env: {} }, registry());
  assert.deepEqual(r.stages.map((s) => s.status), ['ok', 'ok', 'failed']);
  assert.deepEqual(r.stages[2]!.issues.map(formatIssue), [
    'pipelines.yaml:1:22 receivers.push/unused: warning: receiver not used by any pipeline, it will not be started',
    'pipelines.yaml:3:32 exporters.memory/idle: warning: exporter not used by any pipeline, it will not be started',
    'pipelines.yaml:7:25 service.pipelines.traces.receivers[1]: "push" is listed twice in this pipeline, list it once',
    'pipelines.yaml:9:27 service.pipelines.traces.exporters[1]: exporter "prom" cannot export traces, it exports: metrics',
    'pipelines.yaml:9:33 service.pipelines.traces.exporters[2]: "otlp" is not defined in exporters, defined: memory, prom, memory/idle',
    'pipelines.yaml:10:26 service.pipelines.flows.receivers[0]: receiver "push" cannot produce flows, it produces: traces, metrics',
    'pipelines.yaml:10:46 service.pipelines.flows.processors[0]: processor "tag" cannot process flows, it processes: traces, metrics',
    'pipelines.yaml:10:63 service.pipelines.flows.exporters: must list at least one exporter',
    'pipelines.yaml:11:16 service.pipelines.metrics/x: must list at least one receiver',
  ]);
  assert.deepEqual(errorsOf('service:\n  pipelines: {}\n'), ['pipelines.yaml:2:14 service.pipelines: no pipeline defined, add at least one of traces, metrics, flows (each with receivers and exporters)']);
});

test('parse errors: YAML syntax, duplicate keys, missing service', () => {
  assert.deepEqual(errorsOf('service:\n  pipelines:\n    traces: {}\n    traces: {}\n'), ['pipelines.yaml:4:5 service.pipelines.traces: duplicate key "traces", each key may appear once in a mapping']);
  assert.match(errorsOf('a: [1\nb: c: d\n')[0]!, /^pipelines\.yaml:2:\d+ invalid YAML: /);
  assert.deepEqual(errorsOf(''), ['pipelines.yaml:1:1 service: is required, define service.pipelines with at least one of traces, metrics, flows']);
  assert.deepEqual(errorsOf('- a\n- b\n'), ['pipelines.yaml:1:1 the configuration must be a mapping with receivers, processors, exporters and service']);
});

test('registry: duplicate types refused unless replaced, bad factories refused', () => {
  const reg = registry();
  assert.throws(() => reg.register(pushReceiverFactory().factory), /a receiver of type "push" is already registered/);
  reg.register(pushReceiverFactory().factory, { replace: true });
  assert.throws(() => reg.register({ ...pushReceiverFactory().factory, type: 'Bad' }), /lower_snake_case/);
  assert.throws(() => reg.register({ kind: 'thing' } as never), /not a component factory/);
  assert.deepEqual(reg.types('exporter'), ['memory', 'prom']);
});

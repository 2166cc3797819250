import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { validateConfig } from '../src/config/validate.js';
import { formatIssue } from '../src/config/errors.js';
import { builtinRegistry } from '../distribution/default-registry.js';

/**
 * Issue #17.3: one source of truth per component config. The defaults come from the schema only, validation
 * decodes formats once (durations → ms, host:port → {host, port}, port ranges → ranges), and a factory's
 * validate() reports semantic problems with file:line:col like a schema error.
 */
const ROOT = new URL('..', import.meta.url).pathname;
const registry = builtinRegistry();

test('every built-in defaultConfig() is what validating an empty mapping gives (defaults declared once, in the schema)', () => {
  for (const f of registry.all()) {
    // The smallest valid graph around the component: one pipeline of a signal it handles.
    const s = f.signals[0]!;
    const receiver = f.kind === 'receiver' ? f.type : s === 'flows' ? 'network_flow' : 'replay';
    const exporter = f.kind === 'exporter' ? f.type : s === 'flows' ? 'print_flows' : s === 'metrics' ? 'prometheus' : 'print_traces';
    const body = (type: string) => (type === 'replay' ? '{ path: x }' : '{}');
    const yaml = [
      `receivers: { ${receiver}: ${body(receiver)} }`, `exporters: { ${exporter}: {} }`,
      f.kind === 'processor' ? `processors: { ${f.type}: {} }` : '',
      `service: { pipelines: { ${s}: { receivers: [${receiver}], processors: [${f.kind === 'processor' ? f.type : ''}], exporters: [${exporter}] } } }`, '',
    ].join('\n');
    const r = validateConfig({ yaml, file: 'p.yaml', env: {} }, registry);
    assert.deepEqual(r.errors.map(formatIssue), [], f.type);
    const section = r.config![`${f.kind}s` as 'receivers'] as Record<string, unknown>;
    const expected = f.type === 'replay' ? { ...(f.defaultConfig() as object), path: 'x' } : f.defaultConfig();
    assert.deepEqual(section[f.type], expected, f.type);
  }
});

test('no component config.ts declares a defaultXConfig() beside its schema, and no component parses a format itself', () => {
  for (const family of ['receivers', 'processors', 'exporters']) {
    for (const c of readdirSync(join(ROOT, family), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name)) {
      const config = join(ROOT, family, c, 'config.ts');
      if (existsSync(config)) assert.doesNotMatch(readFileSync(config, 'utf8'), /function default\w*Config\(|default: \{\}.*\n[\s\S]*return \{/, config);
      for (const f of readdirSync(join(ROOT, family, c))) {
        if (!f.endsWith('.ts') || f.endsWith('.test.ts')) continue;
        const text = readFileSync(join(ROOT, family, c, f), 'utf8');
        assert.doesNotMatch(text, /\b(parseDuration|parsePortRanges|splitHostPort)\(/, `${family}/${c}/${f} parses a format validation already decoded`);
      }
    }
  }
});

test('formats are decoded once, at validation: components receive numbers and structures', () => {
  const yaml = [
    'receivers:', '  kernel_socket: { request_timeout: "1m30s", ignore_ports: "22,8000-8999" }',
    'exporters:', '  prometheus: { endpoint: "[::1]:9464", ttl: 2s }', '  otlp: { timeout: 250ms, retry: { max_elapsed_time: "0" } }',
    'service:', '  pipelines:', '    metrics: { receivers: [kernel_socket], exporters: [prometheus, otlp] }', '',
  ].join('\n');
  const r = validateConfig({ yaml, file: 'p.yaml', env: {} }, registry);
  assert.deepEqual(r.errors.map(formatIssue), []);
  const ks = r.config!.receivers['kernel_socket'] as Record<string, unknown>;
  assert.equal(ks['request_timeout'], 90_000);
  assert.equal(ks['poll_interval'], 100);
  assert.deepEqual(ks['ignore_ports'], [{ from: 22, to: 22 }, { from: 8000, to: 8999 }]);
  const prom = r.config!.exporters['prometheus'] as Record<string, unknown>;
  assert.deepEqual(prom['endpoint'], { host: '::1', port: 9464 });
  assert.equal(prom['ttl'], 2000);
  const otlp = r.config!.exporters['otlp'] as { timeout: number; retry: Record<string, unknown>; batch: Record<string, unknown> };
  assert.equal(otlp.timeout, 250);
  assert.equal(otlp.retry['max_elapsed_time'], 0);
  assert.equal(otlp.retry['initial_interval'], 1000);
  assert.equal(otlp.batch['timeout'], 5000);
});

test("a factory's validate(): semantic problems at their file:line:col (attributes actions were construction errors without positions)", () => {
  const yaml = [
    'receivers:', '  replay: { path: x }', 'processors:', '  attributes:', '    actions:',
    '      - { key: a, action: upsert, value: 1 }', '      - { key: http.route, action: delete }', '      - { key: b, action: insert }',
    'exporters:', '  print_traces: {}', 'service:', '  pipelines:', '    traces: { receivers: [replay], processors: [attributes], exporters: [print_traces] }', '',
  ].join('\n');
  const r = validateConfig({ yaml, file: 'p.yaml', env: {} }, registry);
  assert.deepEqual(r.errors.map(formatIssue), [
    'p.yaml:7:9 processors.attributes.actions[1]: "http.route" is computed from the span and cannot be deleted; leave it out of metrics with select.<metric>.exclude instead',
    'p.yaml:8:9 processors.attributes.actions[2]: insert needs exactly one of "value" or "from_attribute"',
  ]);
  assert.equal(r.stages.find((s) => s.stage === 'schema')!.status, 'failed');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { validateConfig } from '../src/config/validate.js';
import { formatIssue } from '../src/config/errors.js';
import { builtinRegistry } from '../distribution/default-registry.js';

const TEXT = readFileSync(new URL('../pipelines.yaml', import.meta.url), 'utf8');

test('pipelines.yaml: kernel_socket + routes → print_traces (traces) and prometheus on 127.0.0.1:9400 (metrics)', () => {
  const raw = parse(TEXT) as Record<string, any>;
  assert.deepEqual(raw.service.pipelines, {
    traces: { receivers: ['kernel_socket'], processors: ['routes'], exporters: ['print_traces'] },
    metrics: { receivers: ['kernel_socket'], processors: ['routes'], exporters: ['prometheus'] },
  });
  assert.deepEqual(raw.discovery.instrument, [{ open_ports: '1-65535' }]);
  const env = {};
  const r = validateConfig({ yaml: TEXT, file: 'pipelines.yaml', env }, builtinRegistry());
  assert.equal(r.stages[0]!.status, 'ok', 'parses, ${VAR:-default} expands');
});

test('pipelines.yaml validates against the registered components', (t) => {
  const registry = builtinRegistry();
  const missing = [['receiver', 'kernel_socket'], ['processor', 'routes'], ['exporter', 'print_traces'], ['exporter', 'prometheus']]
    .filter(([kind, type]) => !registry.get(kind as 'receiver', type!))
    .map(([kind, type]) => `${kind} ${type}`);
  if (missing.length) {
    t.skip(`not registered in distribution/builtins.ts yet: ${missing.join(', ')}`);
    return;
  }
  const r = validateConfig({ yaml: TEXT, file: 'pipelines.yaml', env: {} }, registry);
  assert.deepEqual(r.errors.map(formatIssue), []);
  assert.deepEqual(r.warnings.map(formatIssue), []);
  // host:port is decoded at validation (#17.3).
  assert.deepEqual((r.config!.exporters['prometheus'] as { endpoint: unknown }).endpoint, { host: '127.0.0.1', port: 9400 });
  const moved = validateConfig({ yaml: TEXT, file: 'pipelines.yaml', env: { LUMEN_PROMETHEUS_ENDPOINT: '127.0.0.1:19199' } }, registry);
  assert.deepEqual((moved.config!.exporters['prometheus'] as { endpoint: unknown }).endpoint, { host: '127.0.0.1', port: 19199 });
});

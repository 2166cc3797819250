import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configFromYaml } from '../../src/config/component-config.js';
import type { OtlpConfig } from './config.js';
import { otlpExporterFactory } from './index.js';
import { parseHeaderList, resolveSettings } from './settings.js';

/** The exporter's config from YAML-shaped options, validated and decoded as the agent does. */
const cfg = (yaml: object = {}): OtlpConfig => configFromYaml<OtlpConfig>(otlpExporterFactory, yaml);

test('defaults: http/protobuf to localhost:4318 with per-signal paths, 10s, no compression, 60s metrics', () => {
  const s = resolveSettings(cfg(), {});
  assert.equal(s.protocol, 'http/protobuf');
  assert.equal(s.tracesUrl, 'http://localhost:4318/v1/traces');
  assert.equal(s.metricsUrl, 'http://localhost:4318/v1/metrics');
  assert.equal(s.timeoutMs, 10_000);
  assert.equal(s.gzip, false);
  assert.equal(s.metricsIntervalMs, 60_000);
  assert.equal(resolveSettings(cfg({ protocol: 'grpc' }), {}).tracesUrl, 'http://localhost:4317');
});

test('OTEL_EXPORTER_OTLP_* apply when the YAML is silent', () => {
  const env = {
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/', OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://mimir:9009/otlp/v1/metrics',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_HEADERS: 'Authorization=Bearer%20abc, x-org=1',
    OTEL_EXPORTER_OTLP_TIMEOUT: '2500', OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip', OTEL_EXPORTER_OTLP_INSECURE: 'true', OTEL_METRIC_EXPORT_INTERVAL: '15000',
  };
  const s = resolveSettings(cfg(), env);
  assert.equal(s.protocol, 'http/json');
  assert.equal(s.tracesUrl, 'http://collector:4318/v1/traces');
  assert.equal(s.metricsUrl, 'http://mimir:9009/otlp/v1/metrics', 'a signal endpoint is used as is');
  assert.deepEqual(s.headers, { authorization: 'Bearer abc', 'x-org': '1' });
  assert.equal(s.timeoutMs, 2500);
  assert.equal(s.gzip, true);
  assert.equal(s.insecure, true);
  assert.equal(s.metricsIntervalMs, 15_000);
});

test('explicit YAML wins over the environment', () => {
  const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://env:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://env-traces:4318/v1/traces', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_HEADERS: 'a=env,b=env', OTEL_EXPORTER_OTLP_TIMEOUT: '1', OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' };
  const s = resolveSettings(cfg({ endpoint: 'http://yaml:4318', protocol: 'http/protobuf', headers: { A: 'yaml' }, timeout: '3s', compression: 'none' }), env);
  assert.equal(s.protocol, 'http/protobuf');
  assert.equal(s.tracesUrl, 'http://yaml:4318/v1/traces', 'YAML endpoint beats the env signal endpoint');
  assert.deepEqual(s.headers, { a: 'yaml', b: 'env' });
  assert.equal(s.timeoutMs, 3000);
  assert.equal(s.gzip, false);
});

test('bad environment values and unreadable TLS files are clear errors', () => {
  assert.throws(() => resolveSettings(cfg(), { OTEL_EXPORTER_OTLP_PROTOCOL: 'thrift' }), /^OtlpSettingsError: OTEL_EXPORTER_OTLP_PROTOCOL: must be one of grpc, http\/protobuf, http\/json, got "thrift"$/);
  assert.throws(() => resolveSettings(cfg(), { OTEL_EXPORTER_OTLP_TIMEOUT: '10s' }), /OTEL_EXPORTER_OTLP_TIMEOUT: must be a positive integer of milliseconds, got "10s"/);
  assert.throws(() => resolveSettings(cfg(), { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }), /traces endpoint: must be an http:\/\/ or https:\/\/ URL for http\/protobuf, got "collector:4318\/v1\/traces"/);
  assert.throws(() => parseHeaderList('=x'), /must be a list of key=value pairs/);
  assert.throws(() => resolveSettings(cfg({ tls: { ca_file: '/nonexistent/ca.pem', insecure_skip_verify: false } }), {}), /tls.ca_file: cannot read \/nonexistent\/ca.pem: ENOENT/);
});

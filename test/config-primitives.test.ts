import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration, formatDuration, DurationError } from '../src/config/duration.js';
import { parsePortRanges, portInRanges, PortRangesError } from '../src/config/port-ranges.js';
import { formatProblem, isHostPort, isHttpUrl, splitHostPort } from '../src/config/formats.js';
import { durationRangeProblem, MAX_DURATION_MS } from '../src/config/duration.js';
import { createAjv } from '../src/config/ajv.js';

test('parseDuration: Go-style units and combinations', () => {
  assert.equal(parseDuration('5s'), 5000);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('1m'), 60_000);
  assert.equal(parseDuration('1h'), 3_600_000);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('100us'), 0.1);
  assert.equal(parseDuration('0'), 0);
  assert.equal(formatDuration(90_000), '1m30s');
  assert.equal(formatDuration(250), '250ms');
});

test('parseDuration: clear error on bad input', () => {
  for (const bad of ['', '5', 's', '5 seconds', '5sec', '1d', '-', 'ms5']) {
    assert.throws(() => parseDuration(bad), (e: unknown) => e instanceof DurationError && /must be a duration like "5s"/.test(e.message), bad);
  }
});

test('parsePortRanges: lists, ranges, numbers', () => {
  assert.deepEqual(parsePortRanges('80,443,8000-8999'), [{ from: 80, to: 80 }, { from: 443, to: 443 }, { from: 8000, to: 8999 }]);
  assert.deepEqual(parsePortRanges(8080), [{ from: 8080, to: 8080 }]);
  assert.deepEqual(parsePortRanges(' 80 , 90 - 91 '), [{ from: 80, to: 80 }, { from: 90, to: 91 }]);
  const r = parsePortRanges('80,8000-8999');
  assert.ok(portInRanges(8500, r));
  assert.ok(!portInRanges(81, r));
});

test('parsePortRanges: validation messages', () => {
  assert.throws(() => parsePortRanges('0'), /port 0 is outside 1-65535/);
  assert.throws(() => parsePortRanges('70000'), /port 70000 is outside 1-65535/);
  assert.throws(() => parsePortRanges('90-80'), /range 90-80 starts after it ends/);
  assert.throws(() => parsePortRanges('http'), (e: unknown) => e instanceof PortRangesError && /"http" is not a port or a range/.test(e.message));
  assert.throws(() => parsePortRanges('80,,90'), /is not a port or a range/);
  assert.throws(() => parsePortRanges(''), /must be port ranges like/);
});

test('host-port format', () => {
  for (const ok of ['127.0.0.1:9400', 'localhost:9400', '[::1]:9400', '0.0.0.0:9400', 'otel-collector.monitoring.svc:4317', '0.0.0.0:0']) {
    assert.ok(isHostPort(ok), ok);
  }
  // ':9400' listened on every interface without saying so (#11.6): the host is required now.
  for (const bad of ['9400', ':9400', '127.0.0.1', '127.0.0.1:99999', 'http://x:1', '1.2.3.400:80', 'a b:80', '::1:80', '[nope]:80']) {
    assert.ok(!isHostPort(bad), bad);
  }
  assert.deepEqual(splitHostPort('[::1]:80'), { host: '::1', port: 80 });
});

test('http-url format: scheme, host and port 1-65535 (#11.2: "http://localhost:99999" crashed the first export)', () => {
  for (const ok of ['http://localhost:4318', 'https://collector.example:443/otlp', 'http://[::1]:4318', 'http://127.0.0.1', 'HTTP://x']) {
    assert.ok(isHttpUrl(ok), ok);
  }
  for (const bad of ['http://localhost:99999', 'http://localhost:0', 'http://:4318', 'http://', 'localhost:4318', 'ftp://x', 'http:///x', 'http://a b']) {
    assert.ok(!isHttpUrl(bad), bad);
  }
  assert.equal(formatProblem('http-url', 'http://localhost:99999'), 'port 99999 is outside 1-65535, got "http://localhost:99999"');
});

test('duration range: negative, zero where meaningless, and beyond what a timer can wait are refused (#11.6)', () => {
  assert.equal(MAX_DURATION_MS, 2 ** 31 - 1);
  assert.equal(durationRangeProblem(-5000, true), 'must be greater than 0');
  assert.equal(durationRangeProblem(-1, false), 'must not be negative');
  assert.equal(durationRangeProblem(0, true), 'must be greater than 0');
  assert.equal(durationRangeProblem(0, false), undefined);
  assert.equal(durationRangeProblem(MAX_DURATION_MS, true), undefined);
  assert.match(durationRangeProblem(MAX_DURATION_MS + 1, false)!, /^must be at most 596h31m23\.647s/);
  const ajv = createAjv();
  const v = ajv.compile({ type: 'object', properties: { a: { type: 'string', format: 'duration' }, b: { type: 'string', format: 'positive-duration' } } });
  assert.ok(v({ a: '0s', b: '1ms' }));
  for (const bad of [{ a: '-1s' }, { a: '9999999999h' }, { b: '0' }, { b: '-5s' }]) assert.ok(!v(bad), JSON.stringify(bad));
});

test('ajv: formats registered, defaults applied', () => {
  const ajv = createAjv();
  const validate = ajv.compile({
    type: 'object',
    additionalProperties: false,
    properties: {
      endpoint: { type: 'string', format: 'host-port', default: '127.0.0.1:9400' },
      interval: { type: 'string', format: 'duration', default: '5s' },
      ports: { type: 'string', format: 'port-ranges' },
      url: { type: 'string', format: 'uri' },
    },
  });
  const cfg: Record<string, unknown> = { ports: '80-90' };
  assert.ok(validate(cfg));
  assert.deepEqual(cfg, { ports: '80-90', endpoint: '127.0.0.1:9400', interval: '5s' });
  assert.ok(!validate({ endpoint: '9400', interval: '5x', ports: '0', url: 'nope' }));
  assert.deepEqual(validate.errors!.map((e) => e.params['format']).sort(), ['duration', 'host-port', 'port-ranges', 'uri']);
});

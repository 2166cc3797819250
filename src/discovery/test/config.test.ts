/** The `discovery:` schema: defaults, the testdata files through the real config validator, selector semantics. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateConfig } from '../../config/validate.js';
import { formatIssue } from '../../config/errors.js';
import { createAjv } from '../../config/ajv.js';
import { FactoryRegistry } from '../../component/registry.js';
import { registerDiscoverySection } from '../index.js';
import { memoryExporterFactory, pushReceiverFactory } from '../../../test/support/factories.js';
import { defaultDiscoveryConfig, discoverySchema, DEFAULT_EXCLUDE_INSTRUMENT } from '../config.js';
import { compileGlob, compileSelection, selectEntry, type Candidate } from '../selector.js';
import { createDiscovery } from '../index.js';
import { noopLogger } from '../../telemetry/memory-logger.js';
import { InternalMetrics } from '../../telemetry/internal-metrics.js';

const DIR = new URL('../testdata/', import.meta.url).pathname;
const registry = () => registerDiscoverySection(new FactoryRegistry([pushReceiverFactory().factory, memoryExporterFactory().factory]));

test('the schema defaults are defaultDiscoveryConfig()', () => {
  const v = createAjv().compile(discoverySchema);
  const data = {};
  assert.equal(v(data), true);
  assert.deepEqual(data, defaultDiscoveryConfig());
});

for (const file of readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort()) {
  test(`testdata ${file}`, () => {
    const yaml = readFileSync(join(DIR, file), 'utf8');
    const result = validateConfig({ yaml, file, env: {} }, registry());
    const errors = result.errors.map(formatIssue);
    if (file.startsWith('valid-')) {
      assert.deepEqual(errors, []);
      const d = result.config!.discovery as Record<string, unknown>;
      assert.ok(Array.isArray(d['instrument']) && typeof d['poll_interval'] === 'string', 'defaults filled in');
    } else {
      const expected = /^# error: (.*)$/m.exec(yaml)?.[1];
      assert.ok(expected, `${file} must start with "# error: <message>"`);
      assert.deepEqual(errors, [expected]);
    }
  });
}

const candidate = (exe: string, extra: Partial<Candidate> = {}): Candidate => ({
  pid: 100, exe, cmdline: exe, ports: [8080], language: () => 'cpp', inContainer: () => false, ...extra,
});

test('globs follow Beyla: * crosses /, braces and extglobs work', () => {
  assert.equal(compileGlob('*/nginx')('/usr/sbin/nginx'), true);
  assert.equal(compileGlob('*/nginx')('/usr/sbin/nginx-debug'), false);
  assert.equal(compileGlob('*http.server*')('/usr/bin/python3 -m http.server 8000'), true);
  assert.equal(compileGlob('/usr/lib/systemd/*')('/usr/lib/systemd/systemd-resolved'), true);
});

test('default exclusions hide system daemons and agents but not application servers in /usr/sbin', () => {
  const sel = compileSelection([{ open_ports: '1-65535' }], [], [...DEFAULT_EXCLUDE_INSTRUMENT]);
  const hidden = ['/usr/sbin/sshd', '/sbin/dhclient', '/usr/lib/systemd/systemd-resolved', '/lib/systemd/systemd-journald',
    '/usr/libexec/postfix/master', '/usr/bin/docker-proxy', '/usr/local/bin/otelcol-contrib', '/opt/lumen/bin/lumen', '/usr/bin/beyla'];
  for (const exe of hidden) assert.equal(selectEntry(sel, candidate(exe)), undefined, exe);
  for (const exe of ['/usr/sbin/nginx', '/usr/sbin/apache2', '/usr/sbin/mysqld', '/usr/bin/python3.11', '/usr/bin/node', '/opt/app/server']) {
    assert.ok(selectEntry(sel, candidate(exe)), exe);
  }
});

test('default exclusions hide the Lumen CLI however node runs it, and only that', () => {
  const sel = compileSelection([{ open_ports: '1-65535' }], [], [...DEFAULT_EXCLUDE_INSTRUMENT]);
  const node = (cmdline: string) => candidate('/usr/bin/node', { cmdline });
  const lumen = ['node bin/lumen.js run', '/usr/bin/node /opt/lumen/bin/lumen.js run', 'node /usr/local/bin/lumen run -c x.yaml',
    'node /srv/app/node_modules/.bin/lumen run', 'node --enable-source-maps bin/lumen.js run', 'nodejs bin/lumen.js',
    'node --import tsx test/support/lumen-cli.ts run -c /tmp/a.yaml'];
  for (const c of lumen) assert.equal(selectEntry(sel, node(c)), undefined, c);
  const apps = ['node server.js', 'node /srv/lumen/app.js', 'node bin/illumen.js run', 'node bin/lumenx.js run', 'node server.js lumen.js'];
  for (const c of apps) assert.ok(selectEntry(sel, node(c)), c);
  assert.ok(selectEntry(sel, candidate('/usr/bin/python3', { cmdline: 'python3 -m http.server -d /srv/lumen' })));
  // Named explicitly, a Lumen agent is instrumented like anything else.
  const named = compileSelection([{ cmd_args: '*lumen.js*' }], [], [...DEFAULT_EXCLUDE_INSTRUMENT]);
  assert.ok(selectEntry(named, node('node bin/lumen.js run')));
});

test('the first entry that exclusions leave standing gives the name', () => {
  const sel = compileSelection(
    [{ open_ports: 8080, name: 'by-port' }, { exe_path: '*/sshd', name: 'named' }], [], [{ exe_path: '/usr/sbin/*' }]);
  assert.equal(selectEntry(sel, candidate('/usr/sbin/sshd'))?.entry.name, 'named');
  assert.equal(selectEntry(sel, candidate('/opt/app'))?.entry.name, 'by-port');
  // Languages are only computed when the cheaper selectors of the entry matched.
  let asked = 0;
  const lazy = compileSelection([{ open_ports: 9999, languages: ['go'] }], [], []);
  selectEntry(lazy, candidate('/x', { language: () => { asked++; return 'go'; } }));
  assert.equal(asked, 0);
});

test('createDiscovery rejects unusable durations with what is allowed', () => {
  const deps = { logger: noopLogger, telemetry: new InternalMetrics().forComponent('discovery'), hostName: 'h' };
  assert.throws(() => createDiscovery({ poll_interval: '0s' }, deps), /discovery\.poll_interval: must be a positive duration/);
  assert.throws(() => createDiscovery({ poll_interval: 'soon' }, deps), /invalid duration "soon"/);
});

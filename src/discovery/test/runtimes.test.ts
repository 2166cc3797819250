/**
 * Discovery against real servers started here: python3 -m http.server, nginx (master + 2 workers), node http,
 * a Go net/http binary and Java's com.sun.net.httpserver. Checks what is found at start-up from /proc:
 * pids, ports, language, service identity, and selection by every selector, exclusions and defaults.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server as NetServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { cleanupAll, startGo, startJava, startNginx, startNode, startPython, startRust, startRuby, startPhp, rustc, childrenOf, type Server } from './servers.js';
import { HOST, startDiscovery } from './harness.js';
import type { DiscoveryConfig } from '../config.js';

const PORTS = '19500-19599';
let py: Server, pyEnv: Server, nginx: Server, node: Server, go: Server, java: Server, ruby: Server, php: Server;
let rust: Server | undefined;
let own: NetServer;

before(async () => {
  [py, pyEnv, nginx, node, go, java, ruby, php] = await Promise.all([
    startPython(19501),
    startPython(19506, { OTEL_SERVICE_NAME: 'checkout', OTEL_RESOURCE_ATTRIBUTES: 'service.name=ignored,service.namespace=payments,deployment.environment=prod%20eu' }),
    startNginx(19502),
    startNode(19503),
    startGo(19504),
    startJava(19505),
    startRuby(19508),
    startPhp(19509),
  ]);
  if (rustc()) rust = await startRust(19507);
  own = createServer().listen(19599, '127.0.0.1'); // Lumen's own listener: never instrumented
  await new Promise((r) => own.once('listening', r));
});

after(async () => {
  own?.close();
  await cleanupAll();
});

/** Runs discovery once with `config` and returns the selected pids. */
async function selected(config: Partial<DiscoveryConfig>) {
  const h = await startDiscovery({ watcher: 'poll', ...config });
  try {
    return h.discovery.processes();
  } finally {
    await h.stop();
  }
}

test('finds each runtime with its ports, language and service identity', async (t) => {
  const procs = await selected({ instrument: [{ open_ports: PORTS }], command_line: 'full' });
  const expect: Array<[Server, string, string]> = [
    [py, 'python', 'python3.11'], [node, 'nodejs', 'node'], [go, 'go', 'gosrv'], [java, 'java', 'java'], [nginx, 'cpp', 'nginx'],
    [ruby, 'ruby', 'ruby3.1'], [php, 'php', 'php8.2'],
  ];
  for (const [srv, lang, name] of expect) {
    const p = procs.get(srv.pid);
    assert.ok(p, `${name} (pid ${srv.pid}) was not discovered`);
    assert.equal(p.info.language, lang, `${name} language`);
    assert.deepEqual(p.ports, [srv.port], `${name} ports`);
    assert.equal(p.service.name, name);
    assert.equal(p.service.namespace, '');
    assert.equal(p.service.instanceId, `${HOST}:${srv.pid}`);
    assert.equal(p.service.process, p.info);
    assert.equal(p.info.pid, srv.pid);
    assert.equal(p.info.containerId, undefined);
  }
  if (rust) {
    assert.equal(procs.get(rust.pid)?.info.language, 'rust');
    assert.equal(procs.get(rust.pid)?.service.name, 'rustsrv');
  } else {
    t.diagnostic('rustc not installed: Rust detection not checked');
  }
  assert.match(procs.get(py.pid)!.info.cmdline, /^\/usr\/bin\/python3 -m http\.server 19501 --bind 127\.0\.0\.1$/);
  assert.equal(procs.get(nginx.pid)!.info.exe, '/usr/sbin/nginx');
  assert.equal(procs.has(process.pid), false, 'Lumen itself must never be instrumented');
});

/** The process's name (comm), '' once it is gone. */
function commOf(pid: number): string {
  try { return readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); } catch { return ''; }
}

test('nginx workers that share the listening socket are instrumented with the master', async () => {
  const workers = childrenOf(nginx.pid);
  assert.equal(workers.length, 2, 'nginx should run 2 workers');
  // Other tests on this host run nginx too: the globs select theirs as well, so look at our family only.
  const family = new Set([nginx.pid, ...workers]);
  const foreignNginx = (pid: number) => !family.has(pid) && commOf(pid) === 'nginx';
  for (const cfg of [{ open_ports: nginx.port }, { exe_path: '*/nginx' }, { cmd_args: 'nginx: master*' }]) {
    const procs = await selected({ instrument: [cfg] });
    assert.deepEqual([...procs.keys()].filter((p) => !foreignNginx(p)).sort(), [nginx.pid, ...workers].sort(), JSON.stringify(cfg));
    for (const w of workers) {
      assert.deepEqual(procs.get(w)!.ports, [nginx.port]);
      assert.equal(procs.get(w)!.service.name, 'nginx');
      assert.notEqual(procs.get(w)!.service, procs.get(nginx.pid)!.service, 'one Service per process');
    }
  }
});

test('OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES from the process environment win over the entry name', async () => {
  const procs = await selected({ instrument: [{ open_ports: PORTS, name: 'from-config', namespace: 'cfg-ns' }] });
  const s = procs.get(pyEnv.pid)!.service;
  assert.equal(s.name, 'checkout');
  assert.equal(s.namespace, 'payments');
  assert.deepEqual(s.attributes, { 'deployment.environment': 'prod eu' });
  const plain = procs.get(py.pid)!.service;
  assert.equal(plain.name, 'from-config');
  assert.equal(plain.namespace, 'cfg-ns');
});

test('each selector alone picks exactly its processes', async () => {
  const pids = async (cfg: Partial<DiscoveryConfig>) => [...(await selected(cfg)).keys()].sort((a, b) => a - b);
  const sorted = (...xs: number[]) => xs.sort((a, b) => a - b);
  assert.deepEqual(await pids({ instrument: [{ open_ports: 19501 }] }), [py.pid]);
  assert.deepEqual(await pids({ instrument: [{ open_ports: '19503-19504' }] }), sorted(node.pid, go.pid));
  assert.deepEqual(await pids({ instrument: [{ cmd_args: '*http.server 1950[16]*' }] }), sorted(py.pid, pyEnv.pid));
  assert.deepEqual(await pids({ instrument: [{ target_pids: [node.pid, java.pid] }] }), sorted(node.pid, java.pid));
  assert.deepEqual(await pids({ instrument: [{ open_ports: PORTS, languages: ['go', 'java'] }] }), sorted(go.pid, java.pid));
  assert.deepEqual(await pids({ instrument: [{ exe_path: '*/gosrv' }] }), [go.pid]);
  assert.deepEqual(await pids({ instrument: [{ open_ports: PORTS, containers_only: true }] }), []);
  // Entries are ORed, selectors inside an entry ANDed.
  assert.deepEqual(await pids({ instrument: [{ open_ports: 19501 }, { target_pids: [go.pid] }] }), sorted(py.pid, go.pid));
  assert.deepEqual(await pids({ instrument: [{ open_ports: 19501, languages: ['go'] }] }), []);
});

test('exclusions: exclude_instrument always applies; default exclusions spare explicitly named processes', async () => {
  const pids = async (cfg: Partial<DiscoveryConfig>) => new Set((await selected(cfg)).keys());
  const noPython = await pids({ instrument: [{ open_ports: PORTS }], exclude_instrument: [{ languages: ['python'] }] });
  assert.ok(!noPython.has(py.pid) && !noPython.has(pyEnv.pid) && noPython.has(node.pid) && noPython.has(go.pid));
  const explicitlyExcluded = await pids({ instrument: [{ exe_path: '*/node' }], exclude_instrument: [{ exe_path: '*/node' }] });
  assert.ok(!explicitlyExcluded.has(node.pid));

  // The shipped defaults do not hide nginx (an application server in /usr/sbin) ...
  const byPort = await pids({ instrument: [{ open_ports: nginx.port }] });
  assert.ok(byPort.has(nginx.pid));
  // ... a default exclusion hides it from port-based (implicit) entries ...
  const defaultExclude = [{ exe_path: '/usr/sbin/*' }];
  const hidden = await pids({ instrument: [{ open_ports: PORTS }], default_exclude_instrument: defaultExclude });
  assert.ok(!hidden.has(nginx.pid) && hidden.has(node.pid));
  // ... but never from an entry that names it.
  for (const named of [{ exe_path: '*/nginx' }, { cmd_args: 'nginx*' }, { target_pids: [nginx.pid] }]) {
    const shown = await pids({ instrument: [named], default_exclude_instrument: defaultExclude });
    assert.ok(shown.has(nginx.pid), JSON.stringify(named));
  }
});

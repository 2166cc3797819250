/**
 * Live updates: processes started, beginning to listen, exec'ing and exiting after discovery started are
 * picked up / forgotten within 1 s — with the /proc poll watcher and, when the addon is built, the BPF watcher.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupAll, startChild, startNginx, startNode, childrenOf, sleep } from './servers.js';
import { addedPid, bpfWatcherAvailable, removedPid, startDiscovery } from './harness.js';
import type { WatcherMode } from '../config.js';

after(cleanupAll);

const LIMIT_MS = 1000;
const MODES: Array<[WatcherMode, number]> = [['poll', 19520], ['bpf', 19540]];

for (const [mode, base] of MODES) {
  const skip = mode === 'bpf' && !bpfWatcherAvailable() ? 'BPF addon, src/bpf/index.ts or build/bpf/process_watch.bpf.o not built' : false;

  test(`${mode} watcher: new listener picked up and exit forgotten within ${LIMIT_MS} ms`, { skip }, async (t) => {
    const h = await startDiscovery({ watcher: mode, instrument: [{ open_ports: `${base}-${base + 19}` }] });
    t.after(() => h.stop());
    assert.equal(h.logs.find((l) => l.msg === 'discovery started')?.fields?.watcher, mode);

    const srv = await startNode(base);
    const listening = Date.now();
    const added = await h.waitFor(addedPid(srv.pid), 3000, `node ${srv.pid} added`);
    assert.ok(added - listening <= LIMIT_MS, `picked up ${added - listening} ms after listening`);
    t.diagnostic(`new listener picked up ${added - listening} ms after it accepted a connection`);
    assert.deepEqual(h.discovery.processes().get(srv.pid)?.ports, [base]);
    assert.equal(h.discovery.service(srv.pid)?.name, 'node');

    await srv.stop();
    const stopped = Date.now();
    const removed = await h.waitFor(removedPid(srv.pid), 3000, `node ${srv.pid} removed`);
    assert.ok(removed - stopped <= LIMIT_MS, `forgotten ${removed - stopped} ms after exit`);
    t.diagnostic(`exit noticed ${removed - stopped} ms after it was reaped`);
    assert.equal(h.discovery.service(srv.pid), undefined);
    assert.equal(h.discovery.processes().has(srv.pid), false);
  });

  test(`${mode} watcher: a running process that begins listening later, and a process that execs into a server`, { skip }, async (t) => {
    const h = await startDiscovery({ watcher: mode, instrument: [{ open_ports: `${base}-${base + 19}` }] });
    t.after(() => h.stop());
    // Python starts, sleeps, then listens: at discovery time it has no port.
    const late = await startChildLate(`import time, http.server as h; time.sleep(1.2); h.test(HandlerClass=h.SimpleHTTPRequestHandler, port=${base + 1}, bind='127.0.0.1')`, base + 1);
    const added = await h.waitFor(addedPid(late.pid), 3000, 'late listener added');
    assert.ok(added - late.listening <= LIMIT_MS, `picked up ${added - late.listening} ms after it began listening`);
    assert.equal(h.discovery.processes().get(late.pid)?.info.language, 'python');

    // sh → exec python: same pid, new program.
    const sh = await startChild('/bin/sh', ['-c', `sleep 0.3; exec /usr/bin/python3 -m http.server ${base + 2} --bind 127.0.0.1`], base + 2);
    const at = Date.now();
    const execAdded = await h.waitFor((ev) => addedPid(sh.pid)(ev) && ev.type === 'added' && ev.process.info.exe === '/usr/bin/python3.11', 3000, 'exec\'d server');
    assert.ok(execAdded - at <= LIMIT_MS);
    assert.equal(h.discovery.service(sh.pid)?.process.language, 'python');
    await Promise.all([late.stop(), sh.stop()]);
  });

  test(`${mode} watcher: nginx started later is instrumented with its workers`, { skip }, async (t) => {
    const h = await startDiscovery({ watcher: mode, instrument: [{ open_ports: `${base}-${base + 19}` }] });
    t.after(() => h.stop());
    const ngx = await startNginx(base + 3);
    const workers = childrenOf(ngx.pid);
    assert.equal(workers.length, 2);
    const at = Date.now();
    for (const pid of [ngx.pid, ...workers]) await h.waitFor(addedPid(pid), 3000, `nginx pid ${pid}`);
    assert.ok(Date.now() - at <= LIMIT_MS);
    for (const pid of workers) assert.deepEqual(h.discovery.processes().get(pid)?.ports, [base + 3]);
    // A worker killed by hand is replaced by the master: the new one is picked up, the dead one forgotten.
    process.kill(workers[0]!, 'SIGKILL');
    await h.waitFor(removedPid(workers[0]!), 3000, 'killed worker removed');
    let replacement: number | undefined;
    for (let i = 0; i < 50 && replacement === undefined; i++) {
      replacement = childrenOf(ngx.pid).find((p) => !workers.includes(p));
      if (replacement === undefined) await sleep(20);
    }
    assert.ok(replacement, 'nginx should start a new worker');
    await h.waitFor(addedPid(replacement), 3000, 'replacement worker added');
    await ngx.stop();
    for (const pid of [ngx.pid, workers[1]!, replacement]) await h.waitFor(removedPid(pid), 3000, `nginx pid ${pid} removed`);
    for (const pid of [ngx.pid, ...workers, replacement]) assert.equal(h.discovery.processes().has(pid), false);
  });
}

/** Starts python with inline code that listens only after a while; resolves once it listens. */
async function startChildLate(code: string, port: number) {
  const s = await startChild('/usr/bin/python3', ['-c', code], port);
  return { pid: s.pid, listening: Date.now(), stop: s.stop };
}

test('min_process_age: a new process is considered once it is old enough', async (t) => {
  const h = await startDiscovery({ watcher: 'auto', min_process_age: '1500ms', instrument: [{ open_ports: '19560-19569' }] });
  t.after(() => h.stop());
  const spawned = Date.now();
  const srv = await startNode(19565);
  const added = await h.waitFor(addedPid(srv.pid), 4000, 'node added after min_process_age');
  t.diagnostic(`added ${added - spawned} ms after spawn`);
  assert.ok(added - spawned >= 1400, `added too early: ${added - spawned} ms after spawn`);
  assert.ok(added - spawned <= 1500 + LIMIT_MS, `added too late: ${added - spawned} ms after spawn`);
});

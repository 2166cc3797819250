/** A server inside another network namespace: its listen table is read through /proc/PID/net. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { addedPid, bpfWatcherAvailable, startDiscovery } from './harness.js';
import type { WatcherMode } from '../config.js';

const CASES: Array<[WatcherMode, number]> = [['poll', 19580], ['bpf', 19581]];

for (const [mode, port] of CASES) {
  const ns = `disc-test-${mode}`;
  const skip = mode === 'bpf' && !bpfWatcherAvailable() ? 'BPF watcher not built' : false;

  test(`${mode} watcher: a listener in another network namespace is found with its port`, { skip }, async (t) => {
    execFileSync('ip', ['netns', 'add', ns]);
    t.after(() => execFileSync('ip', ['netns', 'del', ns]));
    execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    const child = spawn('ip', ['netns', 'exec', ns, '/usr/bin/python3', '-m', 'http.server', String(port), '--bind', '127.0.0.1'], { stdio: 'ignore' });
    t.after(() => new Promise<void>((r) => {
      if (child.exitCode !== null || child.signalCode !== null) return r();
      child.once('exit', () => r());
      child.kill('SIGKILL');
    }));
    // Discovery starts while `ip` is still switching namespace and exec'ing python (same pid).
    const h = await startDiscovery({ watcher: mode, instrument: [{ open_ports: port }] });
    t.after(() => h.stop());
    await h.waitFor(addedPid(child.pid!), 5000, 'python in the namespace');
    const p = h.discovery.processes().get(child.pid!)!;
    assert.deepEqual(p.ports, [port]);
    assert.equal(p.info.language, 'python');
    assert.equal(p.info.exe, '/usr/bin/python3.11');
  });
}

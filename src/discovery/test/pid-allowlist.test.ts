/** syncPidAllowlist against a real kernel map (process_watch's u32 → u8 hash) and real processes. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupAll, startNode, startPython } from './servers.js';
import { addedPid, bpfWatcherAvailable, removedPid, startDiscovery } from './harness.js';
import { pidKey, syncPidAllowlist } from '../pid-allowlist.js';
import { createMemoryLogger } from '../../telemetry/memory-logger.js';
import { InternalMetrics } from '../../telemetry/internal-metrics.js';

after(cleanupAll);

const skip = bpfWatcherAvailable() ? false : 'BPF addon or build/bpf/process_watch.bpf.o not built';

test('the kernel map follows the instrumented pids', { skip }, async (t) => {
  const { openObject, bpfObjectPath } = await import('../../bpf/index.js');
  const obj = openObject(bpfObjectPath('process_watch'));
  t.after(() => obj.close());
  const map = obj.map('pw_fork_parents');
  const keys = () => map.keys().map((k) => k.readUInt32LE(0)).sort((a, b) => a - b);

  const first = await startPython(19560);
  const h = await startDiscovery({ watcher: 'poll', instrument: [{ open_ports: '19560-19569' }] });
  t.after(() => h.stop());
  const sub = syncPidAllowlist(h.discovery, map, (p) => (p.info.language === 'nodejs' ? 2 : 1));
  assert.deepEqual(keys(), [first.pid], 'current processes are written at subscription');
  assert.deepEqual(map.lookup(pidKey(first.pid)), Buffer.from([1]));

  const second = await startNode(19561);
  await h.waitFor(addedPid(second.pid), 3000, 'node added');
  assert.deepEqual(keys(), [first.pid, second.pid].sort((a, b) => a - b));
  assert.deepEqual(map.lookup(pidKey(second.pid)), Buffer.from([2]));

  await first.stop();
  await h.waitFor(removedPid(first.pid), 3000, 'python removed');
  assert.deepEqual(keys(), [second.pid]);

  sub.unsubscribe();
  assert.deepEqual(keys(), [], 'unsubscribing removes what it wrote');
});

test('map shape errors are clear; update failures are logged and counted', { skip }, async (t) => {
  const { openObject, bpfObjectPath } = await import('../../bpf/index.js');
  const obj = openObject(bpfObjectPath('process_watch'), { mapSizes: { pw_fork_parents: 1 } });
  t.after(() => obj.close());
  const h = await startDiscovery({ watcher: 'poll', instrument: [{ open_ports: '19570-19579' }] });
  t.after(() => h.stop());

  const a = await startNode(19570);
  const b = await startNode(19571);
  await h.waitFor(addedPid(b.pid), 3000, 'second node added');
  await h.waitFor(addedPid(a.pid), 3000, 'first node added');
  const { logger, entries } = createMemoryLogger();
  const metrics = new InternalMetrics();
  const sub = syncPidAllowlist(h.discovery, obj.map('pw_fork_parents'), undefined, { logger, telemetry: metrics.forComponent('kernel_socket') });
  t.after(() => sub.unsubscribe());
  // The map holds one entry: the second update fails (E2BIG), is logged and counted.
  assert.equal(obj.map('pw_fork_parents').keys().length, 1);
  assert.equal(entries.filter((e) => e.level === 'warn' && /cannot update pid/.test(e.msg)).length, 1);
  const errors = metrics.collect().find((p) => p.name === 'lumen_discovery_allowlist_errors_total');
  assert.equal(errors?.value, 1);
  assert.equal(errors?.labels['map'], 'pw_fork_parents');
});

test('maps that cannot be PID allow-lists are refused with the reason', { skip }, async (t) => {
  const { openObject, bpfObjectPath } = await import('../../bpf/index.js');
  const obj = openObject(bpfObjectPath('process_watch'));
  t.after(() => obj.close());
  const h = await startDiscovery({ watcher: 'poll', instrument: [{ target_pids: [1] }] });
  t.after(() => h.stop());
  assert.throws(() => syncPidAllowlist(h.discovery, obj.map('pw_events')), /has 0-byte keys; a PID allow-list needs u32 \(4-byte\) keys/);
});

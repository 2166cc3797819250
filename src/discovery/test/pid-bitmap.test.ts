/** syncPidBitmap / PidBitmap against the kernel_socket object's real ks_pids bitmap (an array of u64 words) and real
 * processes; the BPF side tests a pid with one load of that word (bpf/include/ks_conn.h ks_pid_wanted). */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cleanupAll, startNode } from './servers.js';
import { addedPid, bpfWatcherAvailable, removedPid, startDiscovery } from './harness.js';
import { syncPidBitmap } from '../pid-allowlist.js';
import { PidBitmap } from '../pid-bitmap.js';

after(cleanupAll);

const skip = bpfWatcherAvailable() ? false : 'BPF addon or BPF objects not built';

async function ksPids() {
  const { openObject, bpfObjectPath } = await import('../../bpf/index.js');
  if (!existsSync(bpfObjectPath('kernel_socket'))) throw new Error('build/bpf/kernel_socket.bpf.o is not built');
  const obj = openObject(bpfObjectPath('kernel_socket'));
  /** The set bits of the whole map, as pids. */
  const pids = () => {
    const out: number[] = [];
    for (const k of obj.map('ks_pids').keys()) {
      const w = obj.map('ks_pids').lookup(k)!.readBigUInt64LE(0);
      for (let b = 0; b < 64; b++) if ((w >> BigInt(b)) & 1n) out.push(k.readUInt32LE(0) * 64 + b);
    }
    return out.sort((a, b) => a - b);
  };
  return { obj, pids };
}

test('PidBitmap sets and clears single bits across word edges, and refuses pids past the map', { skip }, async (t) => {
  const { obj, pids } = await ksPids();
  t.after(() => obj.close());
  const bits = new PidBitmap(obj.map('ks_pids'));
  const edge = [1, 63, 64, 65, 127, 4_194_303];
  for (const p of edge) bits.set(p, true);
  assert.deepEqual(pids(), edge);
  bits.set(64, false);
  bits.set(64, false); // clearing twice is harmless
  assert.deepEqual(pids(), edge.filter((p) => p !== 64));
  assert.ok(bits.has(63) && !bits.has(64) && !bits.has(2));
  assert.throws(() => bits.set(4_194_304, true), /pid 4194304 is past map ks_pids \(4194304 pids\)/);
  const { openObject, bpfObjectPath } = await import('../../bpf/index.js');
  const pw = openObject(bpfObjectPath('process_watch'));
  t.after(() => pw.close());
  assert.throws(() => new PidBitmap(pw.map('pw_fork_parents')), /a PID bitmap is an array of u64 words with u32 keys/);
});

test('syncPidBitmap follows the instrumented processes and clears its bits when unsubscribed', { skip }, async (t) => {
  const { obj, pids } = await ksPids();
  t.after(() => obj.close());
  const first = await startNode(20610);
  const h = await startDiscovery({ watcher: 'poll', instrument: [{ open_ports: '20610-20619' }] });
  t.after(() => h.stop());
  const sub = syncPidBitmap(h.discovery, obj.map('ks_pids'));
  assert.deepEqual(pids(), [first.pid], 'current processes are written at subscription');
  const second = await startNode(20611);
  await h.waitFor(addedPid(second.pid), 3000, 'second node added');
  assert.deepEqual(pids(), [first.pid, second.pid].sort((a, b) => a - b));
  await first.stop();
  await h.waitFor(removedPid(first.pid), 3000, 'first node removed');
  assert.deepEqual(pids(), [second.pid]);
  sub.unsubscribe();
  assert.deepEqual(pids(), [], 'unsubscribing clears what it set');
});

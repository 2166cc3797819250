import type { Subscription } from 'rxjs';
import type { BpfLink, BpfMap } from '../bpf/types.js';
import type { Logger } from '../telemetry/logger.js';

/** What the watcher reports; the discovery rescans /proc for the pids named. */
export interface WatchHandler {
  exec(pid: number): void;
  exit(pid: number): void;
  fork(pid: number, ppid: number): void;
  listen(pid: number, port: number): void;
  /** Events were lost (ring buffer full): everything must be rescanned. */
  lost(count: number): void;
}

export interface ProcessWatcher {
  /** Replaces the set of parents whose forks are reported. */
  setForkParents(pids: readonly number[]): void;
  close(): void;
}

/** bpf/include/process_watch.h */
const PW_EXEC = 1, PW_EXIT = 2, PW_FORK = 3, PW_LISTEN = 4, PW_UNLISTEN = 5;
const EVENT_SIZE = 16;
const PROGRAMS = ['pw_exec', 'pw_exit', 'pw_fork', 'pw_sock_state'];
const LOST_CHECK_MS = 1000;

/**
 * Loads bpf/process_watch.bpf.c through the native addon (src/bpf) and feeds its ring buffer to `handler`.
 * Throws (with the addon's coded error) when the addon, the object or the tracepoints are unavailable.
 */
export async function openBpfWatcher(handler: WatchHandler, logger: Logger): Promise<ProcessWatcher> {
  const bpf = await import('../bpf/index.js'); // loaded only when the watcher is used
  const obj = bpf.openObject(bpf.bpfObjectPath('process_watch'));
  const links: BpfLink[] = [];
  let sub: Subscription | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    for (const p of PROGRAMS) links.push(obj.attach(p));
    const parents = obj.map('pw_fork_parents');
    const lostMap = obj.map('pw_lost');
    sub = obj.ringBuffer('pw_events', { pollTimeoutMs: 50, batchBytes: 4096 }).subscribe({
      next: (batch) => decodeBatch(batch, handler),
      error: (e: Error) => logger.warn('process watcher ring buffer failed', { error: e.message }),
    });
    let lostSeen = 0n;
    timer = setInterval(() => {
      const v = lostMap.lookup(Buffer.alloc(4))?.readBigUInt64LE(0) ?? 0n;
      if (v > lostSeen) handler.lost(Number(v - lostSeen));
      lostSeen = v;
    }, LOST_CHECK_MS);
    timer.unref();
    const syncParents = parentsSyncer(parents, logger);
    return {
      setForkParents: syncParents,
      close: () => {
        clearInterval(timer);
        sub?.unsubscribe();
        obj.close();
      },
    };
  } catch (e) {
    clearInterval(timer);
    sub?.unsubscribe();
    obj.close();
    throw e;
  }
}

/** Frames `[u32 LE length][record]` back to back (src/bpf/types.ts ringBuffer). */
export function decodeBatch(batch: Buffer, handler: WatchHandler): void {
  let pos = 0;
  while (pos + 4 <= batch.length) {
    const len = batch.readUInt32LE(pos);
    const rec = pos + 4;
    pos = rec + len;
    if (len < EVENT_SIZE || pos > batch.length) continue;
    const type = batch.readUInt32LE(rec);
    const pid = batch.readUInt32LE(rec + 4);
    const ppid = batch.readUInt32LE(rec + 8);
    const port = batch.readUInt16LE(rec + 12);
    switch (type) {
      case PW_EXEC: handler.exec(pid); break;
      case PW_EXIT: handler.exit(pid); break;
      case PW_FORK: handler.fork(pid, ppid); break;
      case PW_LISTEN: case PW_UNLISTEN: handler.listen(pid, port); break;
      default: break;
    }
  }
}

const ONE = Buffer.from([1]);

/** Keeps pw_fork_parents equal to the latest set, touching only the keys that changed. */
function parentsSyncer(map: BpfMap, logger: Logger): (pids: readonly number[]) => void {
  let installed = new Set<number>();
  return (pids) => {
    const next = new Set<number>();
    const want = new Set(pids);
    for (const pid of installed) if (!want.has(pid)) map.delete(key(pid));
    for (const pid of pids) {
      if (installed.has(pid)) { next.add(pid); continue; }
      try {
        map.update(key(pid), ONE);
        next.add(pid);
      } catch (e) {
        // Map full: forks of this parent are then only seen by the periodic resync.
        logger.warn('process watcher: cannot watch forks of a process', { pid, error: (e as Error).message });
      }
    }
    installed = next;
  };
}

function key(pid: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32LE(pid, 0);
  return b;
}

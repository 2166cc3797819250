import type { ProcessRecord } from './record.js';
import type { ProcessTable } from './table.js';

export type WatchEventKind = 'exec' | 'exit' | 'fork' | 'listen';

/**
 * Watcher events gathered between two passes, applied to the table together: exits first, then new and
 * re-exec'd processes are re-read, then the listen tables are refreshed with the processes that began
 * listening as the first suspects. A loss of events turns the whole batch into a full rescan.
 */
export class EventBatch {
  private readonly pids: Record<WatchEventKind, Set<number>> = {
    exec: new Set(), exit: new Set(), fork: new Set(), listen: new Set(),
  };
  private resync = false;

  add(kind: WatchEventKind, pid: number): void {
    this.pids[kind].add(pid);
  }

  /** Events were lost: only a full rescan can be trusted. */
  lost(): void {
    this.resync = true;
  }

  applyTo(table: ProcessTable): void {
    const { exec, exit, fork, listen } = this.pids;
    try {
      if (this.resync) {
        table.fullScan();
        return;
      }
      for (const pid of exit) table.remove(pid);
      const suspects: ProcessRecord[] = [];
      for (const pid of new Set([...fork, ...exec])) {
        if (exit.has(pid)) continue;
        const rec = table.replace(pid);
        if (rec) suspects.push(rec);
      }
      for (const pid of listen) {
        if (exec.has(pid) || fork.has(pid)) continue; // re-read just above
        const rec = table.replace(pid); // re-read: it may have changed namespace since it was last read
        if (rec) suspects.push(rec);
      }
      if (listen.size > 0) table.refreshListen(suspects);
    } finally {
      this.resync = false;
      for (const set of Object.values(this.pids)) set.clear();
    }
  }
}

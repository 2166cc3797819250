import type { ProcessRecord } from './record.js';
import type { ProcessTable } from './table.js';
import { excluded, selectEntry, type CompiledEntry, type CompiledSelection } from './selector.js';

export interface SelectionOptions {
  /** Never selected (Lumen's own pid). */
  readonly selfPid: number;
  /** Processes that started after this (clock ticks since boot) are not considered yet. */
  readonly youngerThanTicks: number;
}

/**
 * Which processes to instrument, and by which entry:
 *  1. every process an entry selects directly (first matching entry that exclusions leave standing);
 *  2. then, spreading from those: other processes holding one of their listening sockets (pre-fork servers:
 *     nginx, gunicorn, apache share the listener with their workers) and forked children running the same
 *     executable (node cluster workers, php-fpm children), each under the entry that selected its source,
 *     still subject to that entry's exclusions.
 */
export function computeSelection(table: ProcessTable, sel: CompiledSelection, opts: SelectionOptions): Map<number, CompiledEntry> {
  const chosen = new Map<number, CompiledEntry>();
  const eligible = (r: ProcessRecord) => r.pid !== opts.selfPid && r.startTicks <= opts.youngerThanTicks;
  for (const rec of table.records.values()) {
    if (!eligible(rec)) continue;
    const entry = selectEntry(sel, rec);
    if (entry) chosen.set(rec.pid, entry);
  }
  if (chosen.size === 0) return chosen;

  const holders = table.holders();
  const children = new Map<number, ProcessRecord[]>();
  for (const rec of table.records.values()) {
    const list = children.get(rec.ppid);
    if (list) list.push(rec);
    else children.set(rec.ppid, [rec]);
  }
  const queue = [...chosen.keys()];
  while (queue.length > 0) {
    const pid = queue.pop()!;
    const source = table.records.get(pid)!;
    const entry = chosen.get(pid)!;
    const related: ProcessRecord[] = [];
    for (const inode of source.sockets) related.push(...(holders.get(inode) ?? []));
    for (const child of children.get(pid) ?? []) if (child.exe === source.exe) related.push(child);
    for (const rec of related) {
      if (chosen.has(rec.pid) || !eligible(rec) || excluded(sel, entry, rec)) continue;
      chosen.set(rec.pid, entry);
      queue.push(rec.pid);
    }
  }
  return chosen;
}

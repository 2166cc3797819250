import { readFileSync, readdirSync } from 'node:fs';
import { ProcessRecord } from './record.js';
import { nsInode, readExe, readProcessBasics } from './proc/process.js';
import { readListenTable } from './proc/listen-table.js';
import { heldSockets } from './proc/fds.js';

/**
 * Every user process on the host (from /proc) with the listening TCP sockets it holds.
 * Full scans at start and on resync; incremental updates from the poll tick or the BPF watcher's events.
 * `dirty` is set whenever something that can change the selection changed.
 */
export class ProcessTable {
  readonly records = new Map<number, ProcessRecord>();
  /** All listening sockets (inode → port) over every network namespace that has a process. */
  private listen = new Map<number, number>();
  private readonly selfNetns = nsInode('self', 'net');
  private readonly selfPidns = nsInode('self', 'pid');
  /** Kernel threads, zombies and unreadable processes: not re-read on every tick. */
  private readonly ignored = new Set<number>();
  dirty = true;

  /** Rebuilds everything from /proc. */
  fullScan(): void {
    const fresh = new Map<number, ProcessRecord>();
    this.ignored.clear();
    for (const pid of listPids()) {
      const old = this.records.get(pid);
      const rec = this.read(pid);
      if (rec) fresh.set(pid, old && old.sameAs(rec) && old.cmdline === rec.cmdline ? old : rec);
      else this.ignored.add(pid);
    }
    this.records.clear();
    for (const [pid, rec] of fresh) this.records.set(pid, rec);
    this.listen = this.readListenTables();
    for (const rec of this.records.values()) this.scanFds(rec);
    this.dirty = true;
  }

  /** Poll mode: notices new, exited and re-exec'd processes and listening-socket changes. */
  pollTick(): void {
    const seen = new Set<number>();
    const fresh: ProcessRecord[] = [];
    for (const pid of listPids()) {
      seen.add(pid);
      if (this.ignored.has(pid)) continue;
      const old = this.records.get(pid);
      if (old && readExe(pid) === old.exe) continue;
      const rec = this.replace(pid);
      if (rec) fresh.push(rec);
    }
    for (const pid of this.records.keys()) if (!seen.has(pid)) this.remove(pid);
    for (const pid of this.ignored) if (!seen.has(pid)) this.ignored.delete(pid);
    this.refreshListen(fresh);
  }

  /** A process exec'd (or is new): re-read it. Returns the new record. */
  replace(pid: number): ProcessRecord | undefined {
    const rec = this.read(pid);
    const had = this.records.delete(pid);
    if (rec) {
      this.records.set(pid, rec);
      this.ignored.delete(pid);
      this.scanFds(rec);
    } else {
      this.ignored.add(pid); // gone already (a short-lived exec) or a kernel thread: nothing changed
    }
    if (rec || had) this.dirty = true;
    return rec;
  }

  /**
   * Reads the children of `pid` not known yet (from every thread's /proc/PID/task/TID/children): those forked
   * before the BPF watcher was told to report this parent's forks. Marks the table dirty when it finds any.
   */
  adoptChildren(pid: number): void {
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      return;
    }
    for (const tid of tids) {
      let text = '';
      try {
        text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1');
      } catch {
        continue;
      }
      for (const child of text.split(' ')) {
        const c = Number(child);
        if (c > 0 && !this.records.has(c) && !this.ignored.has(c)) this.replace(c);
      }
    }
  }

  remove(pid: number): void {
    this.ignored.delete(pid);
    if (this.records.delete(pid)) this.dirty = true;
  }

  /**
   * Re-reads the listen tables; new listening sockets are looked for in `suspects` first (the process that
   * began listening) and, when some remain ownerless, in every process.
   */
  refreshListen(suspects: readonly ProcessRecord[] = []): void {
    const next = this.readListenTables();
    const added: number[] = [];
    for (const inode of next.keys()) if (!this.listen.has(inode)) added.push(inode);
    let removed = false;
    for (const inode of this.listen.keys()) if (!next.has(inode)) { removed = true; break; }
    const portChanged = [...next].some(([inode, port]) => this.listen.has(inode) && this.listen.get(inode) !== port);
    this.listen = next;
    if (removed || portChanged) {
      for (const rec of this.records.values()) this.pruneSockets(rec);
      this.dirty = true;
    }
    for (const rec of suspects) this.scanFds(rec);
    if (added.length === 0) return;
    this.dirty = true;
    const owned = new Set<number>();
    for (const rec of this.records.values()) for (const s of rec.sockets) owned.add(s);
    if (added.every((inode) => owned.has(inode))) return;
    for (const rec of this.records.values()) this.scanFds(rec);
  }

  /** The records holding each listening socket. */
  holders(): Map<number, ProcessRecord[]> {
    const out = new Map<number, ProcessRecord[]>();
    for (const rec of this.records.values()) {
      for (const inode of rec.sockets) {
        const list = out.get(inode);
        if (list) list.push(rec);
        else out.set(inode, [rec]);
      }
    }
    return out;
  }

  private read(pid: number): ProcessRecord | undefined {
    const b = readProcessBasics(pid);
    return b ? new ProcessRecord(b, this.selfPidns) : undefined;
  }

  private scanFds(rec: ProcessRecord): void {
    const held = heldSockets(rec.pid, this.listen);
    if (!held) return; // gone: the exit is noticed by the next tick or event
    rec.sockets = held;
    this.updatePorts(rec);
  }

  private pruneSockets(rec: ProcessRecord): void {
    for (const s of rec.sockets) if (!this.listen.has(s)) rec.sockets.delete(s);
    this.updatePorts(rec);
  }

  private updatePorts(rec: ProcessRecord): void {
    const ports = [...new Set([...rec.sockets].map((s) => this.listen.get(s)!))].sort((a, b) => a - b);
    if (ports.length !== rec.ports.length || ports.some((p, i) => p !== rec.ports[i])) {
      rec.ports = ports;
      this.dirty = true;
    }
  }

  /** Listen tables of Lumen's namespace and of every other namespace a known process lives in. */
  private readListenTables(): Map<number, number> {
    const all = readListenTable('/proc/net') ?? new Map<number, number>();
    const others = new Map<number, number[]>();
    for (const rec of this.records.values()) {
      if (rec.netns === 0 || rec.netns === this.selfNetns) continue;
      const pids = others.get(rec.netns);
      if (pids) pids.push(rec.pid);
      else others.set(rec.netns, [rec.pid]);
    }
    for (const pids of others.values()) {
      for (const pid of pids) {
        const table = readListenTable(`/proc/${pid}/net`);
        if (!table) continue; // that process exited: try another one of the namespace
        for (const [inode, port] of table) all.set(inode, port);
        break;
      }
    }
    return all;
  }
}

function listPids(): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    const c = name.charCodeAt(0);
    if (c >= 48 && c <= 57) out.push(Number(name));
  }
  return out;
}

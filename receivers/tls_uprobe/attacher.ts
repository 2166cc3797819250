import { stat } from 'node:fs/promises';
import type { BpfLink, BpfObject } from '../../src/bpf/types.js';
import type { Logger } from '../../src/component/index.js';
import { tlsCandidates, type Candidate } from './candidates.js';
import { findTlsFunctions, type TlsFunctions } from './functions.js';
import { hostPath, readMaps } from './maps.js';
import { probePlan } from './plan.js';
import { PidBitmap } from '../../src/discovery/pid-bitmap.js';

export interface AttachOptions {
  readonly libraryGlobs: readonly string[];
  readonly executables: boolean;
  readonly internals: boolean;
}

export interface AttachCounters {
  /** A process got (more) TLS probes. */
  attached(): void;
  /** Attaching failed for a reason other than the process having exited. */
  failed(): void;
}

interface ProcState {
  /** dev:inode of binaries already handled for this pid (probed or found to have nothing). */
  readonly seen: Set<string>;
  readonly links: BpfLink[];
  removed: boolean;
}

/** The pid allow-list of the connection machine (bpf/include/ks_conn.h). */
const PID_MAP = 'ks_pids';

const NO_COUNTERS: AttachCounters = { attached() {}, failed() {} };

/**
 * Attaches the TLS uprobes to one process at a time: finds its TLS library (or TLS-exporting executable),
 * resolves the functions once per binary (cached by device, inode, size and mtime), attaches entry and return
 * probes for that pid only, having first added the pid to the ks_pids map the socket tracepoints filter on.
 */
export class TlsAttacher {
  private readonly procs = new Map<number, ProcState>();
  private readonly functions = new Map<string, Promise<TlsFunctions>>();
  private readonly reported = new Set<string>();
  private readonly pids: PidBitmap;

  constructor(private readonly obj: BpfObject, private readonly log: Logger, private readonly opts: AttachOptions,
    private readonly counters: AttachCounters = NO_COUNTERS) {
    this.pids = new PidBitmap(obj.map(PID_MAP));
  }

  /** Pids with at least one TLS binary probed. */
  probedPids(): number[] {
    return [...this.procs].filter(([, s]) => s.links.length > 0).map(([pid]) => pid);
  }

  /** Pids known (probed or not): rescan() looks at them again for libraries loaded later (dlopen). */
  knownPids(): number[] {
    return [...this.procs.keys()];
  }

  /**
   * Looks at the process's mappings and probes every TLS binary not handled yet. Safe to call again
   * (a library dlopen'ed later is picked up). Resolves to the number of binaries newly probed.
   */
  async attach(pid: number, exe: string, label: string): Promise<number> {
    let st = this.procs.get(pid);
    if (!st) this.procs.set(pid, st = { seen: new Set(), links: [], removed: false });
    let maps;
    try {
      maps = await readMaps(pid);
    } catch (e) {
      this.log.debug('cannot read process mappings (exited?)', { pid, error: (e as Error).message });
      return 0;
    }
    let added = 0;
    // libraries first: an executable without TLS symbols is only worth a warning when nothing else was probed
    const candidates = tlsCandidates(maps, exe, this.opts.libraryGlobs, this.opts.executables)
      .sort((a, b) => Number(a.role === 'executable') - Number(b.role === 'executable'));
    for (const c of candidates) {
      const key = `${c.file.dev}:${c.file.inode}`;
      if (st.seen.has(key) || st.removed) continue;
      st.seen.add(key);
      if (await this.attachBinary(pid, label, c, st)) added++;
    }
    if (added && !st.removed) this.counters.attached();
    if (st.removed) this.detach(pid);
    return added;
  }

  /** Closes the pid's probes and forgets it. */
  detach(pid: number): void {
    const st = this.procs.get(pid);
    if (!st) return;
    st.removed = true;
    for (const l of st.links.splice(0)) {
      try { l.close(); } catch { /* the object may be closed already */ }
    }
    this.procs.delete(pid);
    this.disallowPid(pid);
  }

  detachAll(): void {
    for (const pid of [...this.procs.keys()]) this.detach(pid);
  }

  private async attachBinary(pid: number, label: string, c: Candidate, st: ProcState): Promise<boolean> {
    const path = hostPath(pid, c.file.path);
    let fns: TlsFunctions;
    try {
      const s = await stat(path);
      const cacheKey = `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}`;
      let p = this.functions.get(cacheKey);
      if (!p) this.functions.set(cacheKey, p = findTlsFunctions(path, this.opts.internals));
      fns = await p;
    } catch (e) {
      this.log.warn(`cannot read ${c.file.path} of pid ${pid}: ${(e as Error).message}; its TLS traffic is not captured`, { pid });
      return false;
    }
    const plan = probePlan(fns);
    const where = `${c.file.path} (${c.file.dev}:${c.file.inode})`;
    if (!plan.points.length) {
      if (c.role === 'library') {
        this.once(`nosym:${where}`, () => this.log.warn(`${c.file.path} has no SSL_read/SSL_write symbols${fns.stripped ? ' (stripped)' : ''}; TLS through it is not captured`, { pid, process: label }));
      } else if (fns.embeddedOpenSsl && !st.links.length) {
        this.once(`static:${where}`, () => this.log.warn(`${c.file.path} contains ${fns.embeddedOpenSsl} linked in statically but has no symbol table (stripped): its TLS traffic cannot be probed; keep its symbols or link libssl dynamically`, { pid, process: label }));
      }
      return false;
    }
    // The pid goes into ks_pids BEFORE its uprobes go live: the socket tracepoints that learn the socket of an
    // SSL object (a read/write nested in SSL_read/SSL_write) drop pids not in the map, so a call made between
    // attaching and adding (the process may run its whole request then, e.g. curl started right after the
    // attach) would be seen but left unbound (lumen_tls_unbound_calls_total) and produce no span.
    const firstBinary = !st.links.length;
    if (firstBinary) this.allowPid(pid);
    const links: BpfLink[] = [];
    try {
      for (const p of plan.points) {
        links.push(this.obj.attachUprobe(p.program, { binary: path, offset: p.offset, pid, retprobe: p.retprobe }));
      }
    } catch (e) {
      for (const l of links) l.close();
      if (firstBinary) this.disallowPid(pid);
      const msg = (e as Error).message;
      if (/no process|ESRCH|No such file/.test(msg)) {
        this.log.debug('process exited while attaching', { pid, error: msg });
      } else {
        this.counters.failed();
        this.log.warn(`attaching to ${c.file.path} of pid ${pid} failed: ${msg}`, { pid, process: label });
      }
      return false;
    }
    st.links.push(...links);
    this.once(`plan:${where}`, () => {
      const lacks = plan.missing.filter((m) => m.endsWith('_ex'));
      if (lacks.length === 2) {
        this.log.warn(`${c.file.path} has no ${lacks.join('/')} (OpenSSL older than 1.1.1?); probing ${plan.probed.join(', ')} only`, { pid, process: label });
      } else if (plan.missing.length) {
        this.log.info(`${c.file.path} lacks ${plan.missing.join(', ')}; probing ${plan.probed.join(', ')}`, { pid, process: label });
      }
      this.log.debug(`${c.file.path}: ${fns.internalNote}`, { table: fns.table, version: fns.version });
    });
    this.log.info(`pid ${pid} (${label}): TLS probes on ${c.file.path} [${plan.probed.join(', ')}]`, { pid, process: label, binary: c.file.path, role: c.role });
    return true;
  }

  /** Adds pid to the allow-list of the socket tracepoints (ks_pids). */
  private allowPid(pid: number): void {
    try {
      this.pids.set(pid, true);
    } catch (e) {
      this.log.warn('cannot add pid to ks_pids; its TLS calls stay unbound and its spans will lack addresses', { pid, error: (e as Error).message });
    }
  }

  private disallowPid(pid: number): void {
    try { this.pids.set(pid, false); } catch { /* closed */ }
  }

  private once(key: string, fn: () => void): void {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    fn();
  }
}

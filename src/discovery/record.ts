import type { Language } from '../model/service.js';
import type { Candidate } from './selector.js';
import type { ProcessBasics } from './proc/process.js';
import { readProcText } from './proc/process.js';
import { detectLanguage } from './proc/language.js';
import { containerIdFromCgroup } from './proc/container.js';

/** One process as the table knows it: basics read once, listening sockets held, lazily computed facts. */
export class ProcessRecord implements Candidate {
  readonly pid: number;
  readonly ppid: number;
  readonly startTicks: number;
  readonly exe: string;
  cmdline: string;
  readonly netns: number;
  readonly pidns: number;
  /** Inodes of the listening TCP sockets among its fds. */
  sockets = new Set<number>();
  /** Listening ports (from `sockets`), sorted; recomputed by the table when sockets or the listen tables change. */
  ports: readonly number[] = [];
  private lang: Language | undefined;
  private container: string | null | undefined;

  constructor(b: ProcessBasics, private readonly selfPidns: number) {
    this.pid = b.pid;
    this.ppid = b.ppid;
    this.startTicks = b.startTicks;
    this.exe = b.exe;
    this.cmdline = b.cmdline;
    this.netns = b.netns;
    this.pidns = b.pidns;
  }

  language(): Language {
    this.lang ??= detectLanguage(this.pid, this.exe);
    return this.lang;
  }

  containerId(): string | undefined {
    if (this.container === undefined) this.container = containerIdFromCgroup(readProcText(this.pid, 'cgroup')) ?? null;
    return this.container ?? undefined;
  }

  /** In a container: a container id in its cgroup path, or a PID namespace other than Lumen's. */
  inContainer(): boolean {
    return this.containerId() !== undefined || (this.pidns !== 0 && this.pidns !== this.selfPidns);
  }

  /** Same program instance (not a reused pid, not re-exec'd). */
  sameAs(other: ProcessRecord): boolean {
    return other.pid === this.pid && other.startTicks === this.startTicks && other.exe === this.exe;
  }
}

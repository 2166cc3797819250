import { readFileSync, readlinkSync } from 'node:fs';
import { isGone } from './listen-table.js';

/** What discovery reads about every process up front (cheap: stat, exe, cmdline, net/pid namespaces). */
export interface ProcessBasics {
  readonly pid: number;
  readonly ppid: number;
  /** Start time in clock ticks since boot (field 22 of /proc/PID/stat): tells a reused pid apart. */
  readonly startTicks: number;
  /** Executable path; a " (deleted)" suffix (binary replaced on disk) is removed. */
  readonly exe: string;
  /** argv joined by spaces. */
  readonly cmdline: string;
  /** Network namespace inode ("net:[N]" → N), 0 when unreadable. */
  readonly netns: number;
  /** PID namespace inode, 0 when unreadable. */
  readonly pidns: number;
}

/** Reads the basics of a process; undefined for kernel threads (no exe) and processes that are gone. */
export function readProcessBasics(pid: number): ProcessBasics | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const exe = readExe(pid);
    if (exe === undefined) return undefined;
    // "pid (comm) state ppid ..." — comm may contain spaces and parentheses: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      pid,
      ppid: Number(fields[1]),
      startTicks: Number(fields[19]),
      exe,
      cmdline: readCmdline(pid),
      netns: nsInode(pid, 'net'),
      pidns: nsInode(pid, 'pid'),
    };
  } catch (e) {
    if (isGone(e)) return undefined;
    throw e;
  }
}

/** readlink /proc/PID/exe; undefined for kernel threads or when gone. */
export function readExe(pid: number): string | undefined {
  try {
    const link = readlinkSync(`/proc/${pid}/exe`);
    return link.endsWith(' (deleted)') ? link.slice(0, -10) : link;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (isGone(e) || code === 'EACCES' || code === 'EPERM') return undefined;
    throw e;
  }
}

export function readCmdline(pid: number): string {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    let end = raw.length;
    while (end > 0 && raw.charCodeAt(end - 1) === 0) end--;
    return raw.slice(0, end).replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

export function nsInode(pid: number | 'self', kind: 'net' | 'pid'): number {
  try {
    const link = readlinkSync(`/proc/${pid}/ns/${kind}`); // "net:[4026531840]"
    return Number(link.slice(link.indexOf('[') + 1, -1)) || 0;
  } catch {
    return 0;
  }
}

/** Reads a whole /proc/PID file as text, '' when unreadable or gone. */
export function readProcText(pid: number, file: string, encoding: BufferEncoding = 'utf8'): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, encoding);
  } catch {
    return '';
  }
}

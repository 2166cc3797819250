import { readFileSync } from 'node:fs';

/** pid → its command name (/proc/PID/comm), cached (bounded; cleared when full). '' when unreadable. */
export class ProcessNames {
  private readonly cache = new Map<number, string>();

  constructor(private readonly procRoot = '/proc', private readonly max = 8192) {}

  get(pid: number): string {
    let name = this.cache.get(pid);
    if (name !== undefined) return name;
    try {
      name = readFileSync(`${this.procRoot}/${pid}/comm`, 'utf8').trim();
    } catch {
      name = '';
    }
    if (this.cache.size >= this.max) this.cache.clear();
    this.cache.set(pid, name);
    return name;
  }

  /** Forgets a pid (it exited; the number may be reused). */
  forget(pid: number): void {
    this.cache.delete(pid);
  }
}

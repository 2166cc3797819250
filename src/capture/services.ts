import type { Subscription } from 'rxjs';
import type { Discovery } from '../discovery/types.js';
import type { Service } from '../model/service.js';

/**
 * The Service of each instrumented pid, from the discovery's events. A removed process is remembered for a
 * grace period: its last requests are still in the ring buffer or the sweeper's hands when it goes.
 */
export class ServiceDirectory {
  private readonly live = new Map<number, Service>();
  private readonly retired = new Map<number, { service: Service; until: number }>();
  private readonly removedQueue: number[] = [];
  private readonly sub: Subscription;

  constructor(discovery: Discovery, private readonly graceMs: number) {
    this.sub = discovery.events.subscribe((ev) => {
      if (ev.type === 'added') {
        this.live.set(ev.process.info.pid, ev.process.service);
        this.retired.delete(ev.process.info.pid);
      } else {
        const s = this.live.get(ev.pid);
        this.live.delete(ev.pid);
        if (s) this.retired.set(ev.pid, { service: s, until: Date.now() + this.graceMs });
        this.removedQueue.push(ev.pid);
      }
    });
  }

  get(pid: number): Service | undefined {
    return this.live.get(pid) ?? this.retired.get(pid)?.service;
  }

  /** True when the pid was instrumented and has been removed since. */
  gone(pid: number): boolean {
    return !this.live.has(pid) && this.retired.has(pid);
  }

  /** Pids removed since the last call (for cleaning kernel state). */
  takeRemoved(): number[] {
    return this.removedQueue.splice(0, this.removedQueue.length);
  }

  /** Forgets retired services past their grace period. */
  expire(now = Date.now()): void {
    for (const [pid, r] of this.retired) if (r.until < now) this.retired.delete(pid);
  }

  close(): void {
    this.sub.unsubscribe();
  }
}

import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { createDiscovery, type DiscoveryConfig } from '../index.js';
import type { Discovery, DiscoveryEvent } from '../types.js';
import { createMemoryLogger } from '../../telemetry/memory-logger.js';
import { InternalMetrics } from '../../telemetry/internal-metrics.js';

export const HOST = hostname();

/** The BPF watcher needs the addon, its TS wrapper and the compiled object. */
export function bpfWatcherAvailable(): boolean {
  const root = new URL('../../../', import.meta.url).pathname;
  return existsSync(`${root}build/Release/lumen_bpf.node`) && existsSync(`${root}src/bpf/index.ts`)
    && existsSync(`${root}build/bpf/process_watch.bpf.o`);
}

export interface Harness {
  readonly discovery: Discovery;
  readonly metrics: InternalMetrics;
  readonly logs: ReturnType<typeof createMemoryLogger>['entries'];
  /** Every event with its arrival time (Date.now()). */
  readonly events: Array<{ at: number; ev: DiscoveryEvent }>;
  waitFor(pred: (ev: DiscoveryEvent) => boolean, timeoutMs: number, what: string): Promise<number>;
  stop(): Promise<void>;
}

export async function startDiscovery(config: Partial<DiscoveryConfig>): Promise<Harness> {
  const { logger, entries } = createMemoryLogger();
  const metrics = new InternalMetrics();
  const discovery = createDiscovery(config, { logger, telemetry: metrics.forComponent('discovery'), hostName: HOST });
  const events: Harness['events'] = [];
  const waiters = new Set<() => void>();
  const sub = discovery.events.subscribe((ev) => {
    events.push({ at: Date.now(), ev });
    for (const w of waiters) w();
  });
  await discovery.start();
  return {
    discovery, metrics, logs: entries, events,
    waitFor(pred, timeoutMs, what) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = events.find((e) => pred(e.ev));
          if (!hit) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(hit.at);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; events: ${JSON.stringify(events.map((e) => e.ev.type === 'added' ? `+${e.ev.process.info.pid}:${e.ev.process.ports}` : `-${e.ev.pid}`))}`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    async stop() {
      sub.unsubscribe();
      await discovery.shutdown();
    },
  };
}

export const addedPid = (pid: number) => (ev: DiscoveryEvent) => ev.type === 'added' && ev.process.info.pid === pid;
export const removedPid = (pid: number) => (ev: DiscoveryEvent) => ev.type === 'removed' && ev.pid === pid;

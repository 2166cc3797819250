import { readFileSync } from 'node:fs';
import { Observable, Subject } from 'rxjs';
import { parseDuration } from '../config/duration.js';
import type { Logger } from '../telemetry/logger.js';
import type { Counter } from '../telemetry/self-telemetry.js';
import type { Service } from '../model/service.js';
import type { Discovery, DiscoveryDeps, DiscoveryEvent, InstrumentedProcess } from './types.js';
import { defaultDiscoveryConfig, type DiscoveryConfig } from './config.js';
import { compileSelection, type CompiledEntry, type CompiledSelection } from './selector.js';
import { computeSelection } from './selection.js';
import { buildService } from './service.js';
import { ProcessTable } from './table.js';
import { EventBatch, type WatchEventKind } from './event-batch.js';
import { openBpfWatcher, type ProcessWatcher, type WatchHandler } from './watcher-bpf.js';
import { LumenError } from '../errors/lumen-error.js';

/** USER_HZ: /proc reports times in 1/100 s on every Linux architecture. */
const TICKS_PER_SECOND = 100;
/** Events arriving together (a fork then exec, a burst of workers) are handled in one pass after this delay. */
const EVENT_BATCH_MS = 25;

interface Current {
  readonly process: InstrumentedProcess;
  readonly entry: CompiledEntry;
  readonly startTicks: number;
}

export class ProcessDiscovery implements Discovery {
  private readonly config: DiscoveryConfig;
  private readonly selection: CompiledSelection;
  private readonly logger: Logger;
  private readonly pollMs: number;
  private readonly resyncMs: number;
  private readonly minAgeMs: number;
  private readonly table = new ProcessTable();
  private readonly current = new Map<number, Current>();
  /** pid → process, kept in step with `current` (what processes() returns). */
  private readonly view = new Map<number, InstrumentedProcess>();
  private readonly subject = new Subject<DiscoveryEvent>();
  private readonly counters: Record<'scans' | 'events' | 'lost' | 'errors', Counter>;
  private readonly timers: NodeJS.Timeout[] = [];
  private watcher: ProcessWatcher | undefined;
  private watchedParents = new Set<number>();
  private pending: NodeJS.Timeout | undefined;
  private ageTimer: NodeJS.Timeout | undefined;
  private state: 'new' | 'running' | 'stopped' = 'new';
  /** Watcher events not applied yet. */
  private readonly batch = new EventBatch();

  readonly events: Observable<DiscoveryEvent>;

  constructor(config: Partial<DiscoveryConfig>, private readonly deps: DiscoveryDeps) {
    this.config = { ...defaultDiscoveryConfig(), ...config };
    this.logger = deps.logger.child({ component: 'discovery' });
    this.pollMs = positive(parseDuration(this.config.poll_interval), 'poll_interval');
    this.resyncMs = positive(parseDuration(this.config.resync_interval), 'resync_interval');
    this.minAgeMs = parseDuration(this.config.min_process_age);
    this.selection = compileSelection(this.config.instrument, this.config.exclude_instrument, this.config.default_exclude_instrument);
    const t = deps.telemetry;
    this.counters = {
      scans: t.counter('lumen_discovery_scans_total', 'Passes over /proc (full scans, poll ticks, event batches).'),
      events: t.counter('lumen_discovery_watch_events_total', 'Process exec/exit/fork/listen events from the BPF watcher.'),
      lost: t.counter('lumen_discovery_watch_lost_total', 'BPF watcher events lost (ring buffer full); a full rescan follows.'),
      errors: t.counter('lumen_discovery_errors_total', 'Discovery passes that failed (the next pass retries).'),
    };
    t.gauge('lumen_discovery_instrumented_processes', 'Processes currently selected for instrumentation.', () => this.current.size);
    this.events = new Observable<DiscoveryEvent>((sub) => {
      for (const c of this.current.values()) sub.next({ type: 'added', process: c.process });
      return this.subject.subscribe(sub);
    });
  }

  async start(): Promise<void> {
    if (this.state !== 'new') return;
    this.state = 'running';
    // Watch first, then scan: a process that changes during the scan (exec, setns, listen) is re-read from
    // the queued events afterwards instead of being kept as the scan saw it.
    if (this.config.watcher !== 'poll') this.watcher = await this.openWatcher();
    if (this.state !== 'running') { this.watcher?.close(); this.watcher = undefined; return; }
    this.table.fullScan();
    this.counters.scans.add();
    this.evaluate();
    if (!this.watcher) this.every(this.pollMs, () => this.table.pollTick());
    this.every(this.resyncMs, () => this.table.fullScan());
    this.logger.info('discovery started', {
      watcher: this.watcher ? 'bpf' : 'poll', instrumented: this.current.size, processes: this.table.records.size,
    });
  }

  async shutdown(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    for (const t of this.timers) clearInterval(t);
    clearTimeout(this.pending);
    clearTimeout(this.ageTimer);
    this.watcher?.close();
    this.watcher = undefined;
    this.subject.complete();
  }

  processes(): ReadonlyMap<number, InstrumentedProcess> {
    return this.view;
  }

  service(pid: number): Service | undefined {
    return this.current.get(pid)?.process.service;
  }

  /** Runs `step` then re-evaluates, every `ms`; errors are logged and counted, never thrown. */
  private every(ms: number, step: () => void): void {
    const t = setInterval(() => this.pass(step), ms);
    t.unref();
    this.timers.push(t);
  }

  private pass(step: () => void): void {
    if (this.state !== 'running') return;
    try {
      step();
      this.counters.scans.add();
      this.evaluate();
    } catch (e) {
      this.counters.errors.add();
      this.logger.warn('discovery pass failed; retrying on the next one', { error: (e as Error).message });
    }
  }

  private async openWatcher(): Promise<ProcessWatcher | undefined> {
    const handler: WatchHandler = {
      exec: (pid) => this.queue('exec', pid),
      exit: (pid) => this.queue('exit', pid),
      fork: (pid) => this.queue('fork', pid),
      listen: (pid) => this.queue('listen', pid),
      lost: (n) => { this.counters.lost.add(n); this.batch.lost(); this.schedule(); },
    };
    try {
      return await openBpfWatcher(handler, this.logger);
    } catch (e) {
      if (this.config.watcher === 'bpf') throw e;
      this.logger.warn(`BPF process watcher unavailable, polling /proc every ${this.config.poll_interval} instead`, { error: (e as Error).message });
      return undefined;
    }
  }

  private queue(kind: WatchEventKind, pid: number): void {
    this.counters.events.add();
    this.batch.add(kind, pid);
    this.schedule();
  }

  private schedule(): void {
    if (this.pending || this.state !== 'running') return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.pass(() => this.batch.applyTo(this.table));
    }, EVENT_BATCH_MS);
  }

  /** Recomputes the selection when the table changed and emits the differences. */
  private evaluate(): void {
    if (!this.table.dirty) return;
    this.table.dirty = false;
    const nowTicks = uptimeTicks();
    const minAgeTicks = Math.ceil((this.minAgeMs / 1000) * TICKS_PER_SECOND);
    const chosen = computeSelection(this.table, this.selection, { selfPid: process.pid, youngerThanTicks: nowTicks - minAgeTicks });
    for (const pid of this.current.keys()) {
      if (chosen.has(pid)) continue;
      this.current.delete(pid);
      this.view.delete(pid);
      this.subject.next({ type: 'removed', pid });
    }
    for (const [pid, entry] of chosen) {
      const rec = this.table.records.get(pid)!;
      const cur = this.current.get(pid);
      const same = cur && cur.entry === entry && cur.startTicks === rec.startTicks && cur.process.service.process.exe === rec.exe;
      if (same && samePorts(cur.process.ports, rec.ports)) continue;
      const service = same ? cur.process.service : buildService(rec, entry.entry, this.deps.hostName, this.config.command_line);
      const proc: InstrumentedProcess = Object.freeze({ info: service.process, service, ports: Object.freeze([...rec.ports]) });
      this.current.set(pid, { process: proc, entry, startTicks: rec.startTicks });
      this.view.set(pid, proc);
      this.subject.next({ type: 'added', process: proc });
    }
    if (minAgeTicks > 0) this.scheduleAgeCheck(nowTicks, minAgeTicks);
    if (this.watcher) this.watchForks(this.watcher);
  }

  /**
   * Tells the BPF watcher whose forks to report, then adopts children such a parent forked before it was
   * watched (nginx forks its workers right after listen(), before the listen event is even handled).
   */
  private watchForks(watcher: ProcessWatcher): void {
    const parents = this.forkParents();
    const fresh = parents.filter((p) => !this.watchedParents.has(p));
    watcher.setForkParents(parents);
    this.watchedParents = new Set(parents);
    for (const pid of fresh) this.table.adoptChildren(pid);
    if (this.table.dirty) this.evaluate();
  }

  /** Forks worth an event: children of selected processes and of listening-socket holders. */
  private forkParents(): number[] {
    const out = new Set(this.current.keys());
    for (const rec of this.table.records.values()) if (rec.sockets.size > 0) out.add(rec.pid);
    return [...out];
  }

  /** With min_process_age, re-evaluates when the youngest process not yet considered comes of age. */
  private scheduleAgeCheck(nowTicks: number, minAgeTicks: number): void {
    let next = Infinity;
    for (const rec of this.table.records.values()) {
      const due = rec.startTicks + minAgeTicks;
      if (due > nowTicks && due < next) next = due;
    }
    clearTimeout(this.ageTimer);
    if (next === Infinity) return;
    this.ageTimer = setTimeout(() => this.pass(() => { this.table.dirty = true; }), ((next - nowTicks) * 1000) / TICKS_PER_SECOND + 10);
    this.ageTimer.unref();
  }
}

function samePorts(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((p, i) => p === b[i]);
}

function uptimeTicks(): number {
  const text = readFileSync('/proc/uptime', 'latin1');
  return Math.floor(Number(text.slice(0, text.indexOf(' '))) * TICKS_PER_SECOND);
}

function positive(ms: number, key: string): number {
  if (!(ms > 0)) throw new LumenError('LUMEN_INVALID_DURATION', `discovery.${key}: must be a positive duration, got ${ms}ms`);
  return ms;
}

import type { Observable } from 'rxjs';
import { BpfError } from './errors.js';
import { NativeMap } from './map.js';
import { loadAddon, type NativeObject } from './native.js';
import { ringBufferObservable, type ActiveConsumer, type ConsumerOwner } from './ringbuf.js';
import type { BpfLink, BpfMap, BpfObject, OpenOptions, RingBufferOptions, TcLink, TcOptions, UprobeTarget } from './types.js';

class Link implements BpfLink {
  private closed = false;
  constructor(private readonly native: NativeObject, private readonly id: number, readonly program: string) {}
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.native.detach(this.id);
  }
}

/** Program facts from the object file (additive to the BpfObject contract). */
export interface ProgramInfo {
  name: string;
  /** The SEC() name, e.g. "tracepoint/syscalls/sys_enter_read". */
  section: string;
  /** libbpf's program type name, e.g. "tracepoint", "kprobe" (uprobes too), "sched_cls". */
  type: string;
  /** False when disabled with OpenOptions.disabledPrograms. */
  loaded: boolean;
}

export class LoadedObject implements BpfObject, ConsumerOwner {
  readonly programs: readonly string[];
  readonly maps: readonly string[];
  private native: NativeObject | undefined;
  private readonly consumers = new Set<ActiveConsumer>();
  private readonly mapCache = new Map<string, BpfMap>();

  /** Opens and loads `path` (`native`: an object already loaded by load()). */
  constructor(readonly path: string, options: OpenOptions = {}, native?: NativeObject) {
    this.native = native ?? new (loadAddon().NativeObject)(path, options);
    this.programs = Object.freeze(this.native.programs());
    this.maps = Object.freeze(this.native.maps());
  }

  /** Opens `path` and loads it with the kernel's verifier running off the JS thread (several objects load at once). */
  static async load(path: string, options: OpenOptions = {}): Promise<LoadedObject> {
    const native = new (loadAddon().NativeObject)(path, { ...options, deferLoad: true });
    await native.loadAsync();
    return new LoadedObject(path, options, native);
  }

  nativeOrThrow(): NativeObject {
    if (!this.native) throw new BpfError('LUMEN_BPF_OPEN', `BPF object ${this.path} is closed`);
    return this.native;
  }

  add(c: ActiveConsumer): void {
    this.consumers.add(c);
  }

  remove(c: ActiveConsumer): void {
    this.consumers.delete(c);
  }

  get closed(): boolean {
    return this.native === undefined;
  }

  programInfo(program: string): ProgramInfo {
    return this.nativeOrThrow().programInfo(program);
  }

  attach(program: string): BpfLink {
    return this.link(program, (n) => n.attach(program));
  }

  attachTracepoint(program: string, category: string, name: string): BpfLink {
    return this.link(program, (n) => n.attachTracepoint(program, category, name));
  }

  attachUprobe(program: string, target: UprobeTarget): BpfLink {
    return this.link(program, (n) => n.attachUprobe(program, target));
  }

  attachSocketFilter(program: string, ifname: string): BpfLink {
    return this.link(program, (n) => n.attachSocketFilter(program, ifname));
  }

  attachTc(program: string, ifname: string, direction: 'ingress' | 'egress', options: TcOptions = {}): TcLink {
    const native = this.nativeOrThrow();
    const r = native.attachTc(program, ifname, direction, options);
    return Object.assign(new Link(native, r.id, program), { mode: r.mode, removedStale: r.removedStale });
  }

  attachCgroup(program: string, cgroupPath: string): BpfLink {
    return this.link(program, (n) => n.attachCgroup(program, cgroupPath));
  }

  attachSkMsg(program: string, mapName: string): BpfLink {
    return this.link(program, (n) => n.attachSkMsg(program, mapName));
  }

  map(name: string): BpfMap {
    let m = this.mapCache.get(name);
    if (!m) {
      m = new NativeMap(this.nativeOrThrow(), name);
      this.mapCache.set(name, m);
    }
    return m;
  }

  ringBuffer(mapName: string, options?: RingBufferOptions): Observable<Buffer> {
    return ringBufferObservable(this, mapName, options);
  }

  close(): void {
    const native = this.native;
    if (!native) return;
    // Consumers first: each delivers what it read and completes; then links, maps and programs go.
    for (const c of [...this.consumers]) c.finish();
    this.native = undefined;
    native.close();
  }

  private link(program: string, fn: (n: NativeObject) => number): BpfLink {
    const native = this.nativeOrThrow();
    return new Link(native, fn(native), program);
  }
}

import type { Observable } from 'rxjs';

/**
 * Typed surface of the native libbpf addon (native/). Receivers depend on this file only.
 * Everything that holds a kernel resource has close(); BpfObject.close() releases all of it.
 */

export interface OpenOptions {
  /** `const volatile` load-time settings by variable name (in .rodata). */
  rodata?: Record<string, number | bigint | boolean>;
  /** Override max_entries per map name before load. */
  mapSizes?: Record<string, number>;
  /** Programs (by function name) not to load, e.g. ones the kernel cannot run. */
  disabledPrograms?: string[];
  /** Pin maps under this bpffs directory (nothing is pinned by default). */
  pinPath?: string;
}

export interface BpfLink {
  readonly program: string;
  close(): void;
}

/** A TC attachment: how it is held, and whether a filter a killed agent had left in Lumen's slot was removed first. */
export interface TcLink extends BpfLink {
  /**
   * `tcx`: an fd-owned link (kernel >= 6.6): the kernel detaches it when the agent exits, even by `kill -9`.
   * `clsact`: a legacy clsact filter at Lumen's fixed handle and a per-program priority (older kernels).
   */
  readonly mode: 'tcx' | 'clsact';
  /** 1 when a filter of the same program left by an earlier agent occupied Lumen's slot and was removed (clsact only). */
  readonly removedStale: number;
}

export interface TcOptions {
  /** Use a clsact filter even where tcx exists (for tests of the older kernels' path). */
  legacy?: boolean;
}

export interface MapInfo {
  readonly name: string;
  readonly type: string;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  /** True for per-CPU maps: lookups return valueSize * nCpus bytes (each slot 8-byte aligned). */
  readonly perCpu: boolean;
}

export interface BpfMap {
  readonly info: MapInfo;
  lookup(key: Buffer): Buffer | undefined;
  update(key: Buffer, value: Buffer, flags?: 'any' | 'noexist' | 'exist'): void;
  /** Returns false when the key was absent. */
  delete(key: Buffer): boolean;
  keys(): Buffer[];
  /** Batched read of up to `max` entries (all by default) and delete them: for draining flow maps. */
  lookupAndDeleteBatch(max?: number): Array<[Buffer, Buffer]>;
}

export interface UprobeTarget {
  /** Path of the ELF binary or shared library. */
  binary: string;
  /** Symbol name, resolved by libbpf. Exactly one of symbol or offset. */
  symbol?: string;
  /** File offset of the instruction to probe. */
  offset?: number;
  /** Only this process (-1 / undefined = all processes mapping the binary). */
  pid?: number;
  retprobe?: boolean;
}

export interface RingBufferOptions {
  /** Poll timeout in ms; the consumer also drains on every timeout (default 100). */
  pollTimeoutMs?: number;
  /** Hand a batch to JS once it holds this many bytes (default 256 KiB). */
  batchBytes?: number;
  /** Max batches queued for JS before the poll thread waits (backpressure; default 16). */
  maxQueuedBatches?: number;
}

export interface BpfObject {
  readonly path: string;
  readonly programs: readonly string[];
  readonly maps: readonly string[];
  /** Attach by the program's SEC(): tracepoint/, tp_btf/, raw_tp/, uprobe with a full spec in SEC. */
  attach(program: string): BpfLink;
  attachTracepoint(program: string, category: string, name: string): BpfLink;
  attachUprobe(program: string, target: UprobeTarget): BpfLink;
  /** Opens an AF_PACKET socket bound to the interface and attaches the socket filter. */
  attachSocketFilter(program: string, ifname: string): BpfLink;
  /** tcx link where the kernel has it, else a clsact filter (see TcLink). */
  attachTc(program: string, ifname: string, direction: 'ingress' | 'egress', options?: TcOptions): TcLink;
  attachCgroup(program: string, cgroupPath: string): BpfLink;
  /** Attaches an sk_msg program to a sockmap/sockhash. */
  attachSkMsg(program: string, mapName: string): BpfLink;
  map(name: string): BpfMap;
  /**
   * Consumes a BPF_MAP_TYPE_RINGBUF on a native thread. Each emitted Buffer is one batch of frames
   * `[u32 little-endian length][record bytes]`, back to back; iterate with forEachRecord().
   * Unsubscribing stops the thread. Errors (e.g. the object closed) error the Observable.
   */
  ringBuffer(mapName: string, options?: RingBufferOptions): Observable<Buffer>;
  /** Detaches every link, stops every consumer, closes maps and programs. Safe twice. */
  close(): void;
}

/** Structured error from the addon; `code` is stable, `message` says what to change. */
export interface BpfErrorShape extends Error {
  readonly code:
    | 'LUMEN_BPF_OPEN' | 'LUMEN_BPF_LOAD' | 'LUMEN_BPF_ATTACH' | 'LUMEN_BPF_MAP'
    | 'LUMEN_BPF_NO_SUCH_PROGRAM' | 'LUMEN_BPF_NO_SUCH_MAP' | 'LUMEN_BPF_PERMISSION' | 'LUMEN_BPF_SYMBOL';
  readonly errno?: number;
  /** The verifier log, for LUMEN_BPF_LOAD. */
  readonly verifierLog?: string;
}

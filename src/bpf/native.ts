import { createRequire } from 'node:module';
import { BpfError } from './errors.js';
import { addonPath } from './paths.js';
import type { OpenOptions } from './types.js';

/** The raw addon surface (native/object.h); only src/bpf uses it. */
export interface NativeObject {
  /** Only for an object opened with `deferLoad: true`; rejects with the BpfError a synchronous load throws. */
  loadAsync(): Promise<void>;
  programs(): string[];
  maps(): string[];
  programInfo(name: string): { name: string; section: string; type: string; loaded: boolean };
  close(): void;
  detach(id: number): boolean;
  attach(program: string): number;
  attachTracepoint(program: string, category: string, name: string): number;
  attachUprobe(program: string, target: object): number;
  attachSocketFilter(program: string, ifname: string): number;
  attachTc(program: string, ifname: string, direction: string, options?: { legacy?: boolean }): { id: number; mode: 'tcx' | 'clsact'; removedStale: number };
  attachCgroup(program: string, cgroupPath: string): number;
  attachSkMsg(program: string, mapName: string): number;
  mapInfo(name: string): {
    name: string; type: string; keySize: number; valueSize: number; maxEntries: number; perCpu: boolean; possibleCpus: number;
  };
  mapLookup(name: string, key: Buffer): Buffer | undefined;
  mapUpdate(name: string, key: Buffer, value: Buffer, flags: string): void;
  mapDelete(name: string, key: Buffer): boolean;
  mapKeys(name: string): Buffer[];
  mapLookupAndDeleteBatch(name: string, max: number): [Buffer, Buffer, number];
  ringStart(map: string, options: object, onBatch: (b: Buffer) => void, onError: (e: Error) => void): number;
  ringStop(id: number, drain: boolean): Buffer[];
  ringStats(id: number): { records: number; batches: number; bytes: number } | undefined;
}

export interface Addon {
  NativeObject: new (path: string, options: OpenOptions & { deferLoad?: boolean }) => NativeObject;
  setErrorClass(ctor: typeof BpfError): void;
  libbpfVersion(): string;
  possibleCpus(): number;
  /** native/cpu_priority.h: "" when the adaptive priority started, else why it cannot run. */
  cpuPriorityStart(settings: { idle: boolean; lowNice: number; raiseAfterMs: number; lowerAfterMs: number }): string;
  cpuPriorityStop(): void;
  cpuPriorityStats(): {
    active: boolean; low: boolean; raises: number; lowerings: number; failures: number; lowSeconds: number; normalSeconds: number; lastError: string;
  };
}

let addon: Addon | undefined;

/** Loads build/Release/lumen_bpf.node once; a missing build gives a coded error saying how to build it. */
export function loadAddon(): Addon {
  if (addon) return addon;
  const path = addonPath();
  try {
    addon = createRequire(import.meta.url)(path) as Addon;
  } catch (e) {
    throw new BpfError('LUMEN_BPF_OPEN', `cannot load the native addon ${path}: ${(e as Error).message}; build it with \`bash scripts/build.sh\` (or \`npm_config_nodedir=/usr npx node-gyp configure build\`)`);
  }
  addon.setErrorClass(BpfError);
  return addon;
}

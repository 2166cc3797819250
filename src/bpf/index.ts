/**
 * Lumen's typed libbpf layer (see src/bpf/README.md): open/load BPF objects, attach programs, use maps,
 * and read ring buffers as Observables of batches.
 */
import { LoadedObject } from './object.js';
import { loadAddon } from './native.js';
import type { BpfObject, OpenOptions } from './types.js';

export type * from './types.js';
export { BpfError, isBpfError, type BpfErrorCode } from './errors.js';
export { forEachRecord, countRecords } from './records.js';
export { bpfObjectPath, packageRoot } from './paths.js';
export { sumPerCpuU64 } from './map.js';
export type { LoadedObject, ProgramInfo } from './object.js';

/**
 * Opens a BPF object file (build/bpf/<name>.bpf.o, see bpfObjectPath), applies the load-time options and
 * loads it into the kernel. Throws BpfError: LUMEN_BPF_OPEN (missing/bad file, bad option),
 * LUMEN_BPF_LOAD (verifier rejection, with verifierLog), LUMEN_BPF_PERMISSION, LUMEN_BPF_NO_SUCH_MAP/PROGRAM.
 * The returned object is also a LoadedObject (programInfo(), closed).
 */
export function openObject(path: string, options: OpenOptions = {}): BpfObject & LoadedObject {
  return new LoadedObject(path, options);
}

/**
 * openObject() with the load (the kernel's verifier: seconds for the capture objects) on a libuv thread, so the
 * event loop runs on and receivers starting together verify their objects in parallel. Rejects with the same BpfErrors.
 */
export function openObjectAsync(path: string, options: OpenOptions = {}): Promise<BpfObject & LoadedObject> {
  return LoadedObject.load(path, options);
}

/** The libbpf version the addon is linked with, e.g. "v1.1". */
export function libbpfVersion(): string {
  return loadAddon().libbpfVersion();
}

/** Number of possible CPUs (the stride count of per-CPU map values). */
export function possibleCpus(): number {
  return loadAddon().possibleCpus();
}

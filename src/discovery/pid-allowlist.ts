import type { Subscription } from 'rxjs';
import type { BpfMap } from '../bpf/types.js';
import type { Logger } from '../telemetry/logger.js';
import type { SelfTelemetry } from '../telemetry/self-telemetry.js';
import type { Discovery, InstrumentedProcess } from './types.js';
import { LumenError } from '../errors/lumen-error.js';
import { PidBitmap } from './pid-bitmap.js';

export interface PidAllowlistOptions {
  /** Where update failures (e.g. the map is full) are logged. */
  readonly logger?: Logger;
  /** Counts failures as lumen_discovery_allowlist_errors_total. */
  readonly telemetry?: SelfTelemetry;
}

/**
 * Keeps a kernel PID allow-list map equal to the discovery's instrumented processes: key = u32 tgid
 * (little-endian, the map's key size must be 4), value = `valueFor(process)` (default 1) written in the map's
 * value size (1, 2, 4 or 8 bytes little-endian), or a Buffer of exactly that size.
 * Current processes are written at once (the events replay them), then kept in sync; unsubscribing removes
 * the keys it wrote. Failed updates are logged and counted, never thrown into the event stream.
 */
export function syncPidAllowlist(discovery: Discovery, map: BpfMap,
  valueFor: (p: InstrumentedProcess) => number | Buffer = () => 1, options: PidAllowlistOptions = {}): Subscription {
  const { keySize, valueSize, name } = map.info;
  if (keySize !== 4) throw new LumenError('LUMEN_BPF_MAP_LAYOUT', `syncPidAllowlist: map ${name} has ${keySize}-byte keys; a PID allow-list needs u32 (4-byte) keys`);
  if (![1, 2, 4, 8].includes(valueSize)) {
    throw new LumenError('LUMEN_BPF_MAP_LAYOUT', `syncPidAllowlist: map ${name} has ${valueSize}-byte values; allowed are 1, 2, 4 or 8 bytes`);
  }
  return syncPids(discovery, name, {
    add: (p) => map.update(pidKey(p.info.pid), encodeValue(valueFor(p), valueSize)),
    remove: (pid) => { map.delete(pidKey(pid)); },
  }, options);
}

/** As syncPidAllowlist, for a PID bitmap (an array of u64 words, see PidBitmap): the kernel's test is one load. */
export function syncPidBitmap(discovery: Discovery, map: BpfMap, options: PidAllowlistOptions = {}): Subscription {
  const bits = new PidBitmap(map);
  return syncPids(discovery, map.info.name, { add: (p) => bits.set(p.info.pid, true), remove: (pid) => bits.set(pid, false) }, options);
}

interface PidWriter {
  add(p: InstrumentedProcess): void;
  remove(pid: number): void;
}

/** Current processes are written at once (the events replay them), then kept in sync; unsubscribing removes what
 * was written. Failures are logged and counted, never thrown into the event stream. */
function syncPids(discovery: Discovery, name: string, w: PidWriter, options: PidAllowlistOptions): Subscription {
  const errors = options.telemetry?.counter('lumen_discovery_allowlist_errors_total', 'PID allow-list map updates that failed.', { map: name });
  const written = new Set<number>();
  const fail = (pid: number, e: unknown) => {
    errors?.add();
    const msg = `PID allow-list ${name}: cannot update pid ${pid}: ${(e as Error).message}`;
    if (options.logger) options.logger.warn(msg);
    else process.emitWarning(msg);
  };
  const sub = discovery.events.subscribe((ev) => {
    if (ev.type === 'added') {
      const pid = ev.process.info.pid;
      try {
        w.add(ev.process);
        written.add(pid);
      } catch (e) {
        fail(pid, e);
      }
    } else if (written.delete(ev.pid)) {
      try {
        w.remove(ev.pid);
      } catch (e) {
        fail(ev.pid, e);
      }
    }
  });
  sub.add(() => {
    for (const pid of written) {
      try { w.remove(pid); } catch { /* the map may already be closed with its object */ }
    }
    written.clear();
  });
  return sub;
}

export function pidKey(pid: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32LE(pid, 0);
  return b;
}

function encodeValue(v: number | Buffer, size: number): Buffer {
  if (Buffer.isBuffer(v)) {
    if (v.length !== size) throw new LumenError('LUMEN_BPF_MAP_LAYOUT', `value is ${v.length} bytes; the map's values are ${size} bytes`);
    return v;
  }
  const b = Buffer.alloc(size);
  if (size === 1) b.writeUInt8(v, 0);
  else if (size === 2) b.writeUInt16LE(v, 0);
  else if (size === 4) b.writeUInt32LE(v, 0);
  else b.writeBigUInt64LE(BigInt(v), 0);
  return b;
}

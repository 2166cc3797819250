import type { BpfMap } from '../bpf/types.js';
import { KS_F_RESP_OPEN, KS_HEADER_SIZE, KS_OFF, KS_REASON, decodeRecord, type KsRecord } from './record.js';

/**
 * What an expired pending request becomes: dropped, when its request head never ended; otherwise reported as a
 * span — with status 0 because its process exited or no response came within the timeout, or with its status
 * when a response of unknown length went idle.
 */
export type ExpiryOutcome = 'head_incomplete' | 'exited' | 'timeout' | 'idle_ended';

export function expiryOutcome(rec: KsRecord, gone: (pid: number) => boolean): ExpiryOutcome {
  if (rec.proto !== 0) return rec.respStartNs !== 0n ? 'idle_ended' : gone(rec.tgid) ? 'exited' : 'timeout';
  if (rec.status === 0 && rec.reqHeadLen === 0) return 'head_incomplete';
  if (rec.status === 0) return gone(rec.tgid) ? 'exited' : 'timeout';
  return 'idle_ended';
}

/**
 * A wire exchange ends at the client's next write, PostgreSQL's ReadyForQuery or the close; a connection that
 * goes quiet after an answer (a pool's idle connection) has its last exchange taken after this much silence.
 */
export const WIRE_IDLE_NS = 1_000_000_000n;

/**
 * A lean HTTP/1 response (its head not scanned in the kernel, KS_F_RESP_OPEN) ends at the next request or the
 * close; on a keep-alive connection that then goes quiet, it is taken after this much silence (its end is its
 * last write, as with Content-Length). A response stalled longer than this mid-body ends early.
 */
export const LEAN_IDLE_NS = 2_000_000_000n;

export interface SweepResult {
  /** Pending requests that timed out (or whose process is gone), to report. */
  expired: KsRecord[];
  /** Idle free slots released. */
  reclaimed: number;
}

/**
 * Reads the kernel's pending requests (ks_slots) and takes out those idle for longer than the request
 * timeout, or belonging to a process that went away. Deleting the slot is the claim: only a slot this sweep
 * deleted is reported, so a request the probe completes at the same moment is not reported twice.
 * Free slots idle that long are deleted too (their memory goes back until the connection's next request).
 */
export class SlotSweeper {
  constructor(
    private readonly slots: BpfMap,
    private readonly captureMax: number,
    private readonly timeoutNs: bigint,
    /** A wire-protocol exchange (a database answer) idle this long after its answer began is over. */
    private readonly wireIdleNs: bigint = WIRE_IDLE_NS,
    /** A lean HTTP/1 response (KS_F_RESP_OPEN) idle this long after its last write is over. */
    private readonly leanIdleNs: bigint = LEAN_IDLE_NS,
  ) {}

  sweep(nowMono: bigint, gone: (pid: number) => boolean): SweepResult {
    const out: SweepResult = { expired: [], reclaimed: 0 };
    for (const key of this.slots.keys()) {
      const v = this.slots.lookup(key);
      if (!v || v.length < KS_HEADER_SIZE) continue;
      const start = v.readBigUInt64LE(KS_OFF.start);
      const last = v.readBigUInt64LE(KS_OFF.last);
      const tgid = v.readUInt32LE(KS_OFF.tgid);
      const answered = v.readBigUInt64LE(KS_OFF.respStart) !== 0n;
      const limit = !answered ? this.timeoutNs
        : v[KS_OFF.proto] !== 0 ? this.wireIdleNs
        : v[KS_OFF.flags]! & KS_F_RESP_OPEN ? this.leanIdleNs : this.timeoutNs;
      const idle = nowMono - last > limit;
      if (!idle && !(start !== 0n && gone(tgid))) continue;
      if (!this.slots.delete(key)) continue;
      if (start === 0n) {
        out.reclaimed++;
        continue;
      }
      v.writeUInt8(KS_REASON.timeout, KS_OFF.reason);
      const view = new DataView(v.buffer, v.byteOffset, v.byteLength);
      const rec = decodeRecord(view, v, 0, v.length, KS_HEADER_SIZE + this.captureMax);
      if (rec) out.expired.push(rec);
    }
    return out;
  }
}

import type { BpfMap } from '../bpf/types.js';

/** Offset of `tgid` in struct ks_conn (bpf/include/ks_conn.h): after the u64 socket pointer. */
const KS_CONN_TGID_OFFSET = 8;

/**
 * Drops the ks_conns entries (kernel_socket's connection machine, also in tls.bpf.o) last used by a process in
 * `pids`. The probes end a connection when its socket closes, so this only clears what an exit left behind.
 */
export function forgetConnectionsOf(conns: BpfMap, pids: ReadonlySet<number>): void {
  for (const key of conns.keys()) {
    const v = conns.lookup(key);
    if (v && pids.has(v.readUInt32LE(KS_CONN_TGID_OFFSET))) conns.delete(key);
  }
}

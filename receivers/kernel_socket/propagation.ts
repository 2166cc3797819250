import { cgroup2Path } from '../../src/bpf/features/mounts.js';
import type { BpfObject } from '../../src/bpf/types.js';

/** The programs of bpf/include/ks_propagate.h: loaded and attached only with context_propagation: headers. */
export const PROPAGATION_PROGRAMS: readonly string[] = ['ks_prop_msg', 'ks_prop_sockops', 'ks_prop_connect'];

/**
 * Starts traceparent injection: the sk_msg verdict on the sockhash first (sockets added before it would not get
 * it), then sock_ops on the root cgroup v2, which adds every client TCP socket established from then on. Links
 * belong to the object: closing it detaches both.
 */
export function startPropagation(obj: BpfObject): void {
  const cgroup = cgroup2Path();
  if (!cgroup) throw new Error('context_propagation: headers needs a cgroup v2 mount (/sys/fs/cgroup or /sys/fs/cgroup/unified) for its sock_ops program; none is mounted');
  obj.attach('ks_prop_connect');
  obj.attachSkMsg('ks_prop_msg', 'ks_sockhash');
  obj.attachCgroup('ks_prop_sockops', cgroup);
}

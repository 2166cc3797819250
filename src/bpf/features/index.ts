/**
 * Feature probing: what this kernel and this process can do with BPF. Results are cached per process;
 * receivers call getFeatures() (or receiverSupport()) and pick their strategy.
 */
import { libbpfVersion } from '../index.js';
import { cgroup2Path, checkMounts } from './mounts.js';
import { probePrograms } from './programs.js';
import { capabilities, hasBtf, isPrivileged, kernelVersion, lockdownMode } from './system.js';
import type { FeatureReport, ProbeId } from './types.js';

export type * from './types.js';
export { receiverSupport, type ReceiverNeeds, type ReceiverSupport, type ReceiverStatus } from './receivers.js';
export type { KernelNeed, KernelNeeds } from './needs.js';
export { cgroup2Path } from './mounts.js';

export interface ProbeOptions {
  /** Mount missing bpffs/tracefs/cgroup2/securityfs when root (default true). */
  mount?: boolean;
  /** Probe again instead of returning the cached report. */
  refresh?: boolean;
}

let cached: FeatureReport | undefined;

export function getFeatures(options: ProbeOptions = {}): FeatureReport {
  if (cached && !options.refresh) return cached;
  const t0 = performance.now();
  const caps = capabilities();
  const uid = process.getuid?.() ?? -1;
  const root = uid === 0 && caps.some((c) => c.name === 'CAP_SYS_ADMIN' && c.present);
  const mounts = checkMounts(options.mount ?? true, root);
  const lockdown = lockdownMode(mounts.some((m) => m.fs === 'securityfs' && m.state !== 'missing' && m.state !== 'failed'));
  const missing = caps.filter((c) => !c.present).map((c) => c.name);
  const capabilityHint = missing.length
    ? `run as root, or grant ${missing.join(', ')} (e.g. setcap or a container's cap_add)`
    : 'check kernel.unprivileged_bpf_disabled and the LSM policy';
  let lib = 'unknown';
  try {
    lib = libbpfVersion();
  } catch {
    /* addon not built: every probe says so below */
  }
  const probes = probePrograms({ root, privileged: isPrivileged(caps), cgroup2: cgroup2Path(), capabilityHint });
  cached = {
    kernel: kernelVersion(),
    btf: hasBtf(),
    lockdown: lockdown.mode === 'unknown' && probes.probe_write_user.status === 'no' && /bpf_probe_write_user/.test(probes.probe_write_user.detail)
      ? 'integrity'
      : lockdown.mode,
    lockdownSource: lockdown.mode === 'unknown' && /bpf_probe_write_user/.test(probes.probe_write_user.detail)
      ? 'inferred: the verifier withholds bpf_probe_write_user (integrity or stronger)'
      : lockdown.source,
    uid,
    capabilities: caps,
    privileged: isPrivileged(caps),
    mounts,
    probes,
    libbpf: lib,
    probeMs: Math.round(performance.now() - t0),
  };
  return cached;
}

/** True when the probe loaded (and attached) here. */
export function can(id: ProbeId, report: FeatureReport = getFeatures()): boolean {
  return report.probes[id].status === 'yes';
}

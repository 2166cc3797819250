/** What the running kernel and this process can do with BPF (src/bpf/features). */

export type ProbeId =
  | 'kprobe' | 'fentry' | 'tracepoint' | 'tp_btf' | 'tp_btf_sock' | 'tp_btf_sock_io' | 'raw_tp' | 'uprobe' | 'uretprobe'
  | 'socket_filter' | 'tc' | 'sock_ops' | 'sk_msg' | 'probe_write_user' | 'ringbuf';

/** yes: loaded (and attached where the probe can attach); no: refused; unknown: could not be tried. */
export type Availability = 'yes' | 'no' | 'unknown';

export interface ProbeResult {
  readonly id: ProbeId;
  readonly status: Availability;
  /** What was tried and, when refused, the kernel's/libbpf's reason. */
  readonly detail: string;
  /** When not available: what to change (kernel option, capability, mount), if anything can be. */
  readonly fix?: string;
  /** Why not: this process lacks privileges, the kernel refuses, or the probe could not run (e.g. not built). */
  readonly reason?: 'permission' | 'kernel' | 'not-tried';
}

export type LockdownMode = 'none' | 'integrity' | 'confidentiality' | 'unknown';

export interface Capability {
  readonly name: string;
  readonly bit: number;
  readonly present: boolean;
  /** Why Lumen wants it. */
  readonly why: string;
  /**
   * In a non-privileged container (the docs' capability list, the DaemonSet's `capabilities.add`): `true` = always
   * granted; otherwise the probes that need it there (granted when a configured receiver needs one of them).
   */
  readonly inContainer: true | readonly ProbeId[];
}

export type MountState = 'mounted' | 'mounted-now' | 'missing' | 'failed';

export interface MountInfo {
  readonly fs: 'bpf' | 'tracefs' | 'cgroup2' | 'securityfs';
  /** Where it is (or would be) mounted. */
  readonly path: string;
  readonly state: MountState;
  readonly detail?: string;
}

export interface FeatureReport {
  readonly kernel: { readonly release: string; readonly major: number; readonly minor: number };
  readonly btf: boolean;
  readonly lockdown: LockdownMode;
  readonly lockdownSource: string;
  readonly uid: number;
  readonly capabilities: readonly Capability[];
  /** True when the BPF-relevant capabilities are all present (root, or granted). */
  readonly privileged: boolean;
  readonly mounts: readonly MountInfo[];
  readonly probes: Readonly<Record<ProbeId, ProbeResult>>;
  readonly libbpf: string;
  /** Milliseconds the probing took. */
  readonly probeMs: number;
}

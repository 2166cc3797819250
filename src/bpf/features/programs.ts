import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { BpfError } from '../errors.js';
import { LoadedObject } from '../object.js';
import { bpfObjectPath } from '../paths.js';
import type { ProbeId, ProbeResult } from './types.js';

/** Programs of bpf/features.bpf.c, in source order (each probe loads one and disables the rest). */
const FEATURE_PROGRAMS = [
  'probe_kprobe', 'probe_fentry', 'probe_tracepoint', 'probe_tp_btf', 'probe_tp_btf_sock', 'probe_tp_btf_sock_io', 'probe_raw_tp', 'probe_uprobe',
  'probe_uretprobe', 'probe_socket', 'probe_tc', 'probe_sockops', 'probe_write_user',
];

type Attach = (obj: LoadedObject, program: string) => string | void;

interface Spec { id: ProbeId; object: string; program: string; attach?: Attach; fix: string }

export interface ProbeEnv {
  cgroup2?: string;
  root: boolean;
  privileged: boolean;
  capabilityHint: string;
}

function libc(): { binary: string; symbol: string } {
  const maps = readFileSync('/proc/self/maps', 'utf8');
  const m = /\s(\/\S*\/libc(?:\.so\.6|-[\d.]+\.so))$/m.exec(maps);
  return m ? { binary: m[1]!, symbol: 'getpid' } : { binary: process.execPath, symbol: 'main' };
}

function specs(env: ProbeEnv): Spec[] {
  const self: Attach = (o, p) => void o.attach(p).close();
  const uprobe = (retprobe: boolean): Attach => (o, p) => {
    const t = libc();
    o.attachUprobe(p, { ...t, pid: process.pid, retprobe }).close();
    return `attached to ${t.binary}:${t.symbol}`;
  };
  return [
    { id: 'kprobe', object: 'features', program: 'probe_kprobe', attach: self, fix: 'needs CONFIG_KPROBES=y; optional: Lumen uses tracepoints and uprobes instead' },
    { id: 'fentry', object: 'features', program: 'probe_fentry', attach: self, fix: 'needs BTF, CONFIG_FUNCTION_TRACER and no kernel lockdown; optional' },
    { id: 'tracepoint', object: 'features', program: 'probe_tracepoint', attach: self, fix: 'needs CONFIG_FTRACE_SYSCALLS (syscall tracepoints) and tracefs' },
    { id: 'tp_btf', object: 'features', program: 'probe_tp_btf', attach: self, fix: 'needs BTF (CONFIG_DEBUG_INFO_BTF=y), Linux >= 5.5' },
    { id: 'tp_btf_sock', object: 'features', program: 'probe_tp_btf_sock', attach: self, fix: 'needs BTF and the sock:inet_sock_set_state tracepoint (Linux >= 4.16)' },
    { id: 'tp_btf_sock_io', object: 'features', program: 'probe_tp_btf_sock_io', attach: self, fix: 'needs BTF, bpf_task_pt_regs and the sock:sock_recv_length/sock_send_length tracepoints (Linux >= 6.4)' },
    { id: 'raw_tp', object: 'features', program: 'probe_raw_tp', attach: self, fix: 'needs Linux >= 4.17' },
    { id: 'uprobe', object: 'features', program: 'probe_uprobe', attach: uprobe(false), fix: 'needs CONFIG_UPROBES=y (CONFIG_UPROBE_EVENTS)' },
    { id: 'uretprobe', object: 'features', program: 'probe_uretprobe', attach: uprobe(true), fix: 'needs CONFIG_UPROBES=y' },
    { id: 'socket_filter', object: 'features', program: 'probe_socket', attach: (o, p) => void o.attachSocketFilter(p, 'lo').close(), fix: 'needs CAP_NET_RAW for AF_PACKET sockets' },
    { id: 'tc', object: 'features', program: 'probe_tc', attach: tcAttach(env), fix: 'needs CONFIG_NET_SCH_INGRESS (clsact) and CONFIG_NET_CLS_BPF, and CAP_NET_ADMIN' },
    { id: 'sock_ops', object: 'features', program: 'probe_sockops', attach: cgroupAttach(env), fix: 'needs CONFIG_CGROUP_BPF and a cgroup v2 mount' },
    { id: 'probe_write_user', object: 'features', program: 'probe_write_user', fix: 'refused under kernel lockdown (integrity or stronger); Lumen injects traceparent with sk_msg instead' },
    { id: 'ringbuf', object: 'features_ringbuf', program: 'probe_ringbuf', attach: self, fix: 'needs Linux >= 5.8 (BPF_MAP_TYPE_RINGBUF)' },
    { id: 'sk_msg', object: 'features_skmsg', program: 'probe_sk_msg', attach: (o, p) => void o.attachSkMsg(p, 'probe_sockhash').close(), fix: 'needs CONFIG_BPF_STREAM_PARSER / CONFIG_NET_SOCK_MSG' },
  ];
}

/** TC needs an interface; a temporary veth pair keeps the host's own interfaces untouched. */
function tcAttach(env: ProbeEnv): Attach {
  return (o, p) => {
    if (!env.root) return 'loaded; attaching was not tried (needs root to create a scratch interface)';
    const name = `lprb${process.pid % 1000000}`;
    try {
      execFileSync('ip', ['link', 'add', name, 'type', 'veth', 'peer', 'name', `${name}p`], { stdio: 'ignore' });
    } catch {
      return 'loaded; attaching was not tried (`ip link add ... type veth` failed)';
    }
    try {
      o.attachTc(p, name, 'ingress').close();
      return `attached to clsact ingress of a scratch veth`;
    } finally {
      try {
        execFileSync('ip', ['link', 'del', name], { stdio: 'ignore' });
      } catch {
        /* already gone */
      }
    }
  };
}

function cgroupAttach(env: ProbeEnv): Attach {
  return (o, p) => {
    if (!env.cgroup2) throw new BpfError('LUMEN_BPF_ATTACH', 'no cgroup v2 hierarchy is mounted');
    const dir = `${env.cgroup2}/lumen_probe_${process.pid}`;
    mkdirSync(dir, { recursive: true });
    try {
      o.attachCgroup(p, dir).close();
      return `attached to a scratch cgroup under ${env.cgroup2}`;
    } finally {
      rmdirSync(dir);
    }
  };
}

function run(spec: Spec, env: ProbeEnv): ProbeResult {
  const path = bpfObjectPath(spec.object);
  if (!existsSync(path)) return { id: spec.id, status: 'unknown', detail: `${path} is missing`, fix: 'build the BPF objects: make -C bpf', reason: 'not-tried' };
  const disabled = spec.object === 'features' ? FEATURE_PROGRAMS.filter((p) => p !== spec.program) : [];
  let obj: LoadedObject | undefined;
  let stage = 'loading';
  try {
    obj = new LoadedObject(path, { disabledPrograms: disabled });
    stage = 'attaching';
    const note = spec.attach ? spec.attach(obj, spec.program) : undefined;
    return { id: spec.id, status: 'yes', detail: note ?? (spec.attach ? 'loaded and attached' : 'loaded') };
  } catch (e) {
    const err = e as BpfError;
    if (stage === 'loading' && err.code === 'LUMEN_BPF_OPEN') {
      return { id: spec.id, status: 'unknown', detail: err.message, fix: 'build Lumen: bash scripts/build.sh', reason: 'not-tried' };
    }
    let reason = err.code === 'LUMEN_BPF_LOAD' && err.verifierLog ? verifierReason(err) : err.message
      .replace(/; run as root, or grant .*$/, '')
      .replace(/^attaching program '[^']*' \(SEC\("[^"]*"\)\) to .*? failed: /, '')
      .replace(/^loading \S+ \(program '[^']*'\) failed: /, '')
      .replace(/prog '[^']*': /g, '');
    let fix = spec.fix;
    let why: ProbeResult['reason'] = 'kernel';
    if (err.code === 'LUMEN_BPF_PERMISSION') {
      if (env.privileged) reason += ' although this process has every BPF capability: kernel lockdown or an LSM policy refuses it';
      else [fix, why] = [env.capabilityHint, 'permission'];
    }
    return { id: spec.id, status: 'no', detail: `${stage} failed: ${reason}`, fix, reason: why };
  } finally {
    obj?.close();
  }
}

function verifierReason(err: BpfError): string {
  const m = /the verifier rejected it: (.*?) \(full log/.exec(err.message);
  return m ? `verifier: ${m[1]}` : err.message;
}

/** Loads (and where possible attaches) one tiny program per program/attach type. */
export function probePrograms(env: ProbeEnv): Record<ProbeId, ProbeResult> {
  const out = {} as Record<ProbeId, ProbeResult>;
  for (const s of specs(env)) out[s.id] = run(s, env);
  return out;
}

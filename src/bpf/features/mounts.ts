import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import type { MountInfo } from './types.js';

interface Mount { fs: string; path: string }

export function readMounts(text = readFileSync('/proc/mounts', 'utf8')): Mount[] {
  return text.split('\n').filter(Boolean).map((l) => {
    const f = l.split(' ');
    return { fs: f[2] ?? '', path: (f[1] ?? '').replace(/\\040/g, ' ') };
  });
}

/** Where cgroup v2 is mounted: /sys/fs/cgroup (unified) or /sys/fs/cgroup/unified (hybrid), or undefined. */
export function cgroup2Path(mounts = readMounts()): string | undefined {
  const all = mounts.filter((m) => m.fs === 'cgroup2').map((m) => m.path);
  return all.find((p) => p === '/sys/fs/cgroup') ?? all.find((p) => p === '/sys/fs/cgroup/unified') ?? all[0];
}

function tracefsPath(mounts: Mount[]): string | undefined {
  const all = mounts.filter((m) => m.fs === 'tracefs').map((m) => m.path);
  return all.find((p) => p === '/sys/kernel/tracing') ?? all[0];
}

/**
 * The pseudo file systems BPF work needs: where Lumen mounts a missing one (`target`), and the host path a
 * container bind-mounts instead (`container`: the image's docs and the Kubernetes DaemonSet use these).
 * securityfs only tells the lockdown mode.
 */
export const BPF_MOUNTS: ReadonlyArray<{ fs: MountInfo['fs']; target: string; container: string }> = [
  { fs: 'bpf', target: '/sys/fs/bpf', container: '/sys/fs/bpf' },
  { fs: 'tracefs', target: '/sys/kernel/tracing', container: '/sys/kernel/tracing' },
  { fs: 'cgroup2', target: '/sys/fs/cgroup/unified', container: '/sys/fs/cgroup' },
  { fs: 'securityfs', target: '/sys/kernel/security', container: '/sys/kernel/security' },
];

/**
 * Checks BPF_MOUNTS. With `mount` (and root), missing ones are mounted at their `target` (cgroup2 on
 * /sys/fs/cgroup/unified only when no cgroup v2 hierarchy exists).
 */
export function checkMounts(mount: boolean, root: boolean): MountInfo[] {
  let mounts = readMounts();
  const out: MountInfo[] = [];
  const found: Record<MountInfo['fs'], () => string | undefined> = {
    bpf: () => mounts.find((m) => m.fs === 'bpf')?.path,
    tracefs: () => tracefsPath(mounts),
    cgroup2: () => cgroup2Path(mounts),
    securityfs: () => mounts.find((m) => m.fs === 'securityfs')?.path,
  };
  const want = BPF_MOUNTS.map((m) => ({ fs: m.fs, target: m.target, found: found[m.fs] }));
  for (const w of want) {
    const at = w.found();
    if (at) {
      out.push({ fs: w.fs, path: at, state: 'mounted' });
      continue;
    }
    if (!mount || !root) {
      out.push({ fs: w.fs, path: w.target, state: 'missing', detail: `not mounted; as root: mount -t ${w.fs} ${w.fs} ${w.target}` });
      continue;
    }
    try {
      if (!existsSync(w.target)) mkdirSync(w.target, { recursive: true });
      execFileSync('mount', ['-t', w.fs, w.fs, w.target], { stdio: ['ignore', 'ignore', 'pipe'] });
      mounts = readMounts();
      out.push({ fs: w.fs, path: w.target, state: 'mounted-now', detail: `Lumen mounted ${w.fs} on ${w.target}` });
    } catch (e) {
      const msg = (e as { stderr?: Buffer }).stderr?.toString().trim() || (e as Error).message;
      out.push({ fs: w.fs, path: w.target, state: 'failed', detail: `mount -t ${w.fs} ${w.fs} ${w.target} failed: ${msg}` });
    }
  }
  return out;
}

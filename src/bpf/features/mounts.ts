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
 * The pseudo file systems BPF work needs. With `mount` (and root), missing ones are mounted:
 * bpffs on /sys/fs/bpf, tracefs on /sys/kernel/tracing, securityfs (to read the lockdown mode),
 * cgroup2 on /sys/fs/cgroup/unified when no cgroup v2 hierarchy exists.
 */
export function checkMounts(mount: boolean, root: boolean): MountInfo[] {
  let mounts = readMounts();
  const out: MountInfo[] = [];
  const want: Array<{ fs: MountInfo['fs']; found: () => string | undefined; target: string }> = [
    { fs: 'bpf', found: () => mounts.find((m) => m.fs === 'bpf')?.path, target: '/sys/fs/bpf' },
    { fs: 'tracefs', found: () => tracefsPath(mounts), target: '/sys/kernel/tracing' },
    { fs: 'cgroup2', found: () => cgroup2Path(mounts), target: '/sys/fs/cgroup/unified' },
    { fs: 'securityfs', found: () => mounts.find((m) => m.fs === 'securityfs')?.path, target: '/sys/kernel/security' },
  ];
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

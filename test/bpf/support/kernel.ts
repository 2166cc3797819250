import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bpfObjectPath, packageRoot } from '../../../src/bpf/index.js';

/** Builds build/bpf/<name>.bpf.o from bpf/<name>.bpf.c when missing or stale, and returns its path. */
export function ensureBpfObject(name: string): string {
  execFileSync('make', ['-s', '-C', join(packageRoot(), 'bpf'), `../build/bpf/${name}.bpf.o`], { stdio: ['ignore', 'ignore', 'inherit'] });
  return bpfObjectPath(name);
}

interface BpftoolProg { id: number; name?: string; map_ids?: number[] }
interface BpftoolMap { id: number; name?: string }
interface BpftoolLink { id: number; prog_id?: number }

function bpftool<T>(...args: string[]): T[] {
  const out = execFileSync('bpftool', ['-j', ...args], { encoding: 'utf8' });
  return out.trim() === '' ? [] : (JSON.parse(out) as T[]);
}

/** BPF object ids held by this process's file descriptors (what it loaded and has not closed). */
export interface OwnIds {
  progs: Set<number>;
  maps: Set<number>;
  links: Set<number>;
}

/**
 * The ids of the BPF programs, maps and links this process holds (heldBy below). Other agents and tests load
 * the same programs on this host at the same time: only an fd of ours proves an id is ours.
 */
export function ownBpfIds(): OwnIds {
  const held = heldBy(process.pid);
  return { progs: new Set(held.progs), maps: new Set(held.maps), links: new Set(held.links) };
}

/** IDs of the kernel's BPF programs, maps and links at one moment (from bpftool), and which of them are ours. */
export interface KernelSnapshot {
  progs: Map<number, string>;
  maps: Map<number, string>;
  links: Map<number, number>; // link id -> prog id
  own: OwnIds;
}

export function kernelSnapshot(): KernelSnapshot {
  return {
    progs: new Map(bpftool<BpftoolProg>('prog', 'list').map((p) => [p.id, p.name ?? ''])),
    maps: new Map(bpftool<BpftoolMap>('map', 'list').map((m) => [m.id, m.name ?? ''])),
    links: new Map(bpftool<BpftoolLink>('link', 'list').map((l) => [l.id, l.prog_id ?? 0])),
    own: ownBpfIds(),
  };
}

/**
 * What this process came to hold between two snapshots (by its fds, not by name: other processes load the
 * same programs concurrently), restricted to `programNames`, with the maps those programs use.
 */
export function ownedSince(before: KernelSnapshot, after: KernelSnapshot, programNames: readonly string[]): { progs: number[]; maps: number[]; links: number[] } {
  const names = new Set(programNames.map((n) => n.slice(0, 15)));
  const progs = [...after.own.progs].filter((id) => !before.own.progs.has(id) && names.has(after.progs.get(id) ?? ''));
  const progSet = new Set(progs);
  const mapIds = new Set<number>();
  for (const p of bpftool<BpftoolProg>('prog', 'list')) if (progSet.has(p.id)) for (const m of p.map_ids ?? []) mapIds.add(m);
  const links = [...after.own.links].filter((id) => !before.own.links.has(id) && progSet.has(after.links.get(id) ?? 0));
  return { progs, maps: [...mapIds], links };
}

export type Owned = { progs: number[]; maps: number[]; links: number[] };

/** Link ids by fdinfo link_type (e.g. tcx, tracepoint, perf_event). */
export type LinkTypes = Map<number, string>;

/** BPF programs, maps and links a process holds open, from /proc/PID/fdinfo (ids are unique kernel-wide). */
export function heldBy(pid: number, linkTypes: LinkTypes = new Map()): Owned {
  const out: Owned = { progs: [], maps: [], links: [] };
  let fds: string[] = [];
  try {
    fds = readdirSync(`/proc/${pid}/fdinfo`);
  } catch {
    return out;
  }
  for (const fd of fds) {
    let text = '';
    try {
      text = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    } catch {
      continue; // closed meanwhile
    }
    const field = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
    if (/^link_id:/m.test(text)) {
      out.links.push(field('link_id'));
      linkTypes.set(field('link_id'), /^link_type:\s+(\S+)/m.exec(text)?.[1] ?? '');
    }
    else if (/^prog_id:/m.test(text)) out.progs.push(field('prog_id'));
    else if (/^map_id:/m.test(text)) out.maps.push(field('map_id'));
  }
  return out;
}

/**
 * The subset of `owned` still present in the kernel (should be empty after close()). The kernel frees a
 * program's maps after an RCU grace period, so this polls for up to `waitMs`.
 */
export async function stillLoaded(owned: Owned, waitMs = 3000): Promise<Owned> {
  const end = Date.now() + waitMs;
  for (;;) {
    const now = kernelSnapshot();
    const left = {
      progs: owned.progs.filter((id) => now.progs.has(id)),
      maps: owned.maps.filter((id) => now.maps.has(id)),
      links: owned.links.filter((id) => now.links.has(id)),
    };
    if (left.progs.length + left.maps.length + left.links.length === 0 || Date.now() > end) return left;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Whether the kernel still has this program, map or link (looked up by id: immune to a listing racing other loads). */
export function idExists(kind: 'prog' | 'map' | 'link', id: number): boolean {
  try {
    execFileSync('bpftool', [kind, 'show', 'id', String(id)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The subset of `owned` the kernel still has, each looked up by id; polls for up to `waitMs` (RCU frees later). */
export async function stillPresent(owned: Owned, waitMs = 3000): Promise<Owned> {
  const end = Date.now() + waitMs;
  for (;;) {
    const left = {
      progs: owned.progs.filter((id) => idExists('prog', id)),
      maps: owned.maps.filter((id) => idExists('map', id)),
      links: owned.links.filter((id) => idExists('link', id)),
    };
    if (left.progs.length + left.maps.length + left.links.length === 0 || Date.now() > end) return left;
    await new Promise((r) => setTimeout(r, 50));
  }
}

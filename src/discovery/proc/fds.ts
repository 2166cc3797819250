import { readdirSync, readlinkSync } from 'node:fs';
import { isGone } from './listen-table.js';

/**
 * The socket inodes among a process's open file descriptors (readlink /proc/PID/fd/N = "socket:[inode]"),
 * filtered to `wanted` (the listening sockets we know of). Returns undefined when the process is gone.
 */
export function heldSockets(pid: number, wanted: ReadonlyMap<number, unknown>): Set<number> | undefined {
  const dir = `/proc/${pid}/fd`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    if (isGone(e) || (e as NodeJS.ErrnoException).code === 'EACCES') return undefined;
    throw e;
  }
  const held = new Set<number>();
  if (wanted.size === 0) return held;
  for (const name of names) {
    let link: string;
    try {
      link = readlinkSync(`${dir}/${name}`);
    } catch {
      continue; // the fd was closed while we looked
    }
    // "socket:[12345]"
    if (link.charCodeAt(0) !== 115 /* s */ || !link.startsWith('socket:[')) continue;
    const inode = Number(link.slice(8, -1));
    if (wanted.has(inode)) held.add(inode);
  }
  return held;
}

import { readFile } from 'node:fs/promises';

/** One file-backed mapping of /proc/PID/maps. */
export interface MappedFile {
  /** Path as the process sees it (inside its mount namespace). */
  readonly path: string;
  readonly inode: number;
  /** "major:minor" of the device, as maps prints it. */
  readonly dev: string;
  readonly executable: boolean;
}

/**
 * Parses /proc/PID/maps text into distinct files (deleted files and anonymous/special mappings are
 * skipped: a uprobe needs a path to resolve). A file mapped several times is listed once, executable
 * when any of its mappings is.
 */
export function parseMaps(text: string): MappedFile[] {
  const byPath = new Map<string, MappedFile>();
  for (const line of text.split('\n')) {
    // address perms offset dev inode pathname — the path may contain spaces
    const m = /^[0-9a-f]+-[0-9a-f]+ (\S{4}) [0-9a-f]+ ([0-9a-f]+:[0-9a-f]+) (\d+)\s+(\/.*)$/.exec(line);
    if (!m) continue;
    const [, perms, dev, inode, path] = m as unknown as [string, string, string, string, string];
    if (inode === '0' || path.endsWith(' (deleted)')) continue;
    const prev = byPath.get(path);
    const executable = perms[2] === 'x' || (prev?.executable ?? false);
    byPath.set(path, { path, inode: Number(inode), dev, executable });
  }
  return [...byPath.values()];
}

export async function readMaps(pid: number): Promise<MappedFile[]> {
  return parseMaps(await readFile(`/proc/${pid}/maps`, 'utf8'));
}

/** The path through which the agent reaches a file of the process (its mount namespace may differ). */
export function hostPath(pid: number, path: string): string {
  return `/proc/${pid}/root${path}`;
}

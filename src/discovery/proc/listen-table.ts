import { readFileSync } from 'node:fs';

/** TCP state 0A = LISTEN in /proc/net/tcp{,6}. */
const LISTEN = '0A';

/**
 * Listening TCP sockets of one network namespace: socket inode → local port.
 * `dir` is `/proc/net` (Lumen's own namespace) or `/proc/<pid>/net` (that process's namespace).
 * Returns undefined when the namespace is gone (its last process exited).
 */
export function readListenTable(dir: string): Map<number, number> | undefined {
  const out = new Map<number, number>();
  let found = false;
  for (const file of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = readFileSync(`${dir}/${file}`, 'latin1');
    } catch (e) {
      if (isGone(e)) continue; // tcp6 is absent when IPv6 is disabled; the dir is absent when the pid exited
      throw e;
    }
    found = true;
    parseListenLines(text, out);
  }
  return found ? out : undefined;
}

/**
 * Parses the body of /proc/net/tcp or tcp6 into `out` (inode → port), keeping LISTEN sockets only.
 * Line layout: `sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...`.
 */
export function parseListenLines(text: string, out: Map<number, number>): void {
  let pos = text.indexOf('\n') + 1; // skip the header
  while (pos > 0 && pos < text.length) {
    const end = text.indexOf('\n', pos);
    const line = text.slice(pos, end < 0 ? text.length : end);
    pos = end < 0 ? text.length : end + 1;
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || f[3] !== LISTEN) continue;
    const local = f[1]!;
    const port = parseInt(local.slice(local.lastIndexOf(':') + 1), 16);
    const inode = Number(f[9]);
    if (inode > 0 && port > 0) out.set(inode, port);
  }
}

export function isGone(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ESRCH' || code === 'ENOTDIR' || code === 'EINVAL';
}

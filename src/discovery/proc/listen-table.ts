import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

/** TCP state 0A = LISTEN in /proc/net/tcp{,6}. */
const LISTEN = '0A';
/** Small reads: the kernel formats only what each read asks for (see readListenRows). */
const READ_BYTES = 512;

/**
 * Listening TCP sockets of one network namespace: socket inode → local port.
 * `dir` is `/proc/net` (Lumen's own namespace) or `/proc/<pid>/net` (that process's namespace).
 * Returns undefined when the namespace is gone (its last process exited).
 */
export function readListenTable(dir: string): Map<number, number> | undefined {
  const out = new Map<number, number>();
  let found = false;
  for (const [file, stat, label] of [['tcp', 'sockstat', 'TCP:'], ['tcp6', 'sockstat6', 'TCP6:']] as const) {
    try {
      const inUse = tcpInUse(`${dir}/${stat}`, label);
      found = true;
      if (inUse === 0) continue; // no TCP socket of this family at all: nothing to read
      parseListenLines(readListenRows(`${dir}/${file}`, inUse), out);
    } catch (e) {
      if (isGone(e)) continue; // IPv6 disabled (no tcp6/sockstat6), or the pid of that namespace exited
      throw e;
    }
  }
  return found ? out : undefined;
}

/**
 * "TCP: inuse N" of /proc/net/sockstat{,6}: the hashed TCP sockets of the namespace (listeners included,
 * TIME_WAIT and request sockets not). Cheap: a per-CPU counter sum, no hash-table walk.
 */
export function tcpInUse(path: string, label: string): number {
  const text = readFileSync(path, 'latin1');
  const at = text.indexOf(`${label} inuse `);
  if (at < 0) return Infinity; // unknown layout: read the table
  return parseInt(text.slice(at + label.length + 7), 10);
}

/**
 * The header and the LISTEN rows of /proc/net/tcp{,6}. The kernel prints every listening socket (the listen
 * hash) before any other (the established hash, which can hold a million sockets), so reading stops at the
 * first row in another state, or once `maxRows` rows (the namespace's hashed TCP sockets) were read: otherwise
 * the kernel would walk every bucket of the established hash to the end. Cost follows the listeners, not the
 * connections.
 */
export function readListenRows(path: string, maxRows = Infinity): string {
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe(READ_BYTES);
  let text = '';
  let scanned = 0;
  let rows = -1; // the header is not a row
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, READ_BYTES, null);
      if (n === 0) return text;
      text += buf.toString('latin1', 0, n);
      for (let nl = text.indexOf('\n', scanned); nl >= 0; nl = text.indexOf('\n', scanned)) {
        const line = text.slice(scanned, nl);
        if (rows >= 0 && !isListenRow(line)) return text.slice(0, scanned);
        scanned = nl + 1;
        if (++rows >= maxRows) return text.slice(0, scanned);
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** Row layout: `sl local_address rem_address st …`; the state is the 4th field. */
function isListenRow(line: string): boolean {
  const f = line.trim().split(/\s+/, 4);
  return f[3] === LISTEN;
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

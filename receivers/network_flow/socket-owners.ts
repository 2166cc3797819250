import { readFile, readdir, readlink } from 'node:fs/promises';
import { parseProcNet, type ProcSocket } from './proc-net.js';

export type SocketProto = 'tcp' | 'udp';

const WILDCARDS = new Set(['0.0.0.0', '::']);
const TCP_LISTEN = 0x0a;
const ESTABLISHED = 0x01;
/** Connect events are remembered this long after their last use (the socket may be gone from /proc by then). */
const LEARNED_TTL_MS = 60_000;
const LEARNED_MAX = 65_536;

const exactKey = (p: SocketProto, la: string, lp: number, ra: string, rp: number) => `${p}|${la}|${lp}|${ra}|${rp}`;
const portKey = (p: SocketProto, lp: number) => `${p}|${lp}`;

/**
 * Which local process owns a socket, for attributing flows and TCP events to processes:
 *   1. tuples learnt from TCP connect events (the BPF side records the pid at connect());
 *   2. connected sockets (TCP established, connected UDP) from /proc/net/*, matched on the full 4-tuple;
 *   3. listening TCP and bound UDP sockets, matched on the local port (and address unless wildcard);
 * socket inode → pid comes from scanning /proc/PID/fd. The /proc tables are re-read lazily: only after a
 * lookup missed, and at most every `minRefreshMs`, asynchronously (lookups never block).
 * Scope: sockets of the agent's own network namespace (plus connect events from any namespace, filtered by
 * the caller).
 */
export class SocketOwners {
  private connected = new Map<string, number>();
  private bound = new Map<string, Array<{ addr: string; inode: number }>>();
  private pidByInode = new Map<number, number>();
  private readonly learned = new Map<string, { pid: number; at: number }>();
  private refreshing: Promise<void> | undefined;
  private lastRefresh = -Infinity;
  private wanted = false;

  constructor(
    private readonly options: { procRoot?: string; minRefreshMs?: number; now?: () => number } = {},
    private readonly onError: (e: Error) => void = () => {},
  ) {}

  /** Records the owner of an outgoing connection (from a connect event). */
  learn(proto: SocketProto, la: string, lp: number, ra: string, rp: number, pid: number): void {
    if (this.learned.size >= LEARNED_MAX) this.expireLearned(true);
    this.learned.set(exactKey(proto, la, lp, ra, rp), { pid, at: this.now() });
  }

  /** The pid owning the local endpoint (la, lp) talking to (ra, rp), or undefined (a refresh is then scheduled). */
  owner(proto: SocketProto, la: string, lp: number, ra: string, rp: number): number | undefined {
    const key = exactKey(proto, la, lp, ra, rp);
    const l = this.learned.get(key);
    if (l) {
      l.at = this.now();
      return l.pid;
    }
    let inode = this.connected.get(key);
    if (inode === undefined) {
      for (const b of this.bound.get(portKey(proto, lp)) ?? []) {
        if (b.addr === la || WILDCARDS.has(b.addr)) {
          inode = b.inode;
          break;
        }
      }
    }
    const pid = inode === undefined ? undefined : this.pidByInode.get(inode);
    if (pid === undefined) this.wanted = true;
    return pid;
  }

  /** Starts a refresh if a lookup missed since the last one and the minimum interval has passed. */
  maybeRefresh(): Promise<void> | undefined {
    if (!this.wanted || this.refreshing || this.now() - this.lastRefresh < (this.options.minRefreshMs ?? 2000)) return this.refreshing;
    this.wanted = false;
    this.lastRefresh = this.now();
    this.refreshing = this.refresh()
      .catch((e: Error) => this.onError(e))
      .finally(() => (this.refreshing = undefined));
    this.expireLearned(false);
    return this.refreshing;
  }

  /** Re-reads the socket tables and maps their inodes to pids. */
  async refresh(): Promise<void> {
    const root = this.options.procRoot ?? '/proc';
    const connected = new Map<string, number>();
    const bound = new Map<string, Array<{ addr: string; inode: number }>>();
    const inodes = new Set<number>();
    for (const [file, proto] of [['tcp', 'tcp'], ['tcp6', 'tcp'], ['udp', 'udp'], ['udp6', 'udp']] as const) {
      let sockets: ProcSocket[];
      try {
        sockets = parseProcNet(await readFile(`${root}/net/${file}`, 'latin1'));
      } catch {
        continue; // tcp6/udp6 are absent when IPv6 is off
      }
      for (const s of sockets) {
        inodes.add(s.inode);
        if (s.remotePort !== 0 && (proto === 'udp' || s.state === ESTABLISHED)) {
          connected.set(exactKey(proto, s.localAddress, s.localPort, s.remoteAddress, s.remotePort), s.inode);
        } else if (proto === 'udp' || s.state === TCP_LISTEN) {
          const k = portKey(proto, s.localPort);
          const list = bound.get(k) ?? [];
          list.push({ addr: s.localAddress, inode: s.inode });
          bound.set(k, list);
        }
      }
    }
    this.pidByInode = await scanSocketInodes(root, inodes, this.pidByInode);
    this.connected = connected;
    this.bound = bound;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private expireLearned(all: boolean): void {
    const limit = this.now() - LEARNED_TTL_MS;
    for (const [k, v] of this.learned) if (all || v.at < limit) this.learned.delete(k);
  }
}

/** Maps the wanted socket inodes to the pid holding them, reusing known mappings; walks /proc/PID/fd. */
async function scanSocketInodes(root: string, wanted: Set<number>, known: Map<number, number>): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const [inode, pid] of known) if (wanted.has(inode)) out.set(inode, pid);
  if (out.size === wanted.size) return out;
  let pids: string[];
  try {
    pids = (await readdir(root)).filter((n) => n.charCodeAt(0) >= 48 && n.charCodeAt(0) <= 57);
  } catch {
    return out;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = await readdir(`${root}/${pid}/fd`);
    } catch {
      continue; // exited, or not ours to read
    }
    const links = await Promise.all(fds.map((fd) => readlink(`${root}/${pid}/fd/${fd}`).catch(() => '')));
    for (const link of links) {
      if (!link.startsWith('socket:[')) continue;
      const inode = Number(link.slice(8, -1));
      if (wanted.has(inode) && !out.has(inode)) out.set(inode, Number(pid));
    }
    if (out.size === wanted.size) break;
  }
  return out;
}

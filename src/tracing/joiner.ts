import type { Span } from '../model/span.js';
import { FifoMultiMap } from './multimap.js';
import { Pending } from './pending.js';
import { StartIndex } from './start-index.js';
import { mirroredKey, tupleKey } from './tuple.js';

export interface JoinerOptions {
  /** How long a span waits for its relatives (parents end, and so arrive, after their children). */
  waitMs: number;
  /** Spans held at most; past it the oldest leave early (counted by the caller through `forced`). */
  maxSpans: number;
}

/**
 * A server's last write is stamped when the syscall returns; over loopback the client may have read those bytes
 * (and stamped its end) a little before that.
 */
const WRITE_RETURN_SLACK_NS = 1_000_000;

/**
 * Records reach user space about in the order they end (one ring buffer), not exactly (batches, CPUs): scans by
 * arrival order start and stop this many spans beyond where time says they could.
 */
const ORDER_SLACK = 64;

/** Index key of a process's thread (pids and tids are below 2^22, PID_MAX_LIMIT). */
const threadKey = (pid: number, tid: number | undefined) => pid * 0x40_0000 + (tid ?? 0);

/** Walks up at most this many parents: a guard against a cycle of equal timestamps, never reached by real chains. */
const MAX_DEPTH = 64;

/**
 * Holds spans for a bounded window and finds each one's parent among the spans of this host:
 *  - a client span's parent is the server span its thread was serving (same process and thread, the server
 *    request read before the call began and answered after its response came back; on a runtime that serves
 *    many requests on one thread, Node's event loop, several qualify: the one read last before the call began);
 *  - a server span's parent is the client span at the other end of its connection (the tuple mirrored, the
 *    call written before the request was read and its response read after the server wrote it).
 * A parent is decided when the span (or a descendant) leaves, by then its parents, which end later, are held too.
 * A span that already has a parent (a traceparent, or the ids context propagation put on the wire) keeps it; it
 * is linked here only to the local span that has exactly that id.
 */
export class TraceJoiner {
  private readonly queue: Pending[] = [];
  private head = 0;
  private readonly serversByThread = new StartIndex();
  private readonly clientsByTuple = new FifoMultiMap<string, Pending>();
  private seq = 0;
  private epoch: bigint | undefined;
  forced = 0;

  constructor(private readonly opts: JoinerOptions) {}

  get held(): number {
    return this.queue.length - this.head;
  }

  add(spans: readonly Span[], nowMs: number): void {
    for (const span of spans) {
      this.epoch ??= span.startUnixNano - 3_600_000_000_000n;
      const p = new Pending(span, nowMs, this.seq++, this.epoch);
      this.queue.push(p);
      if (span.kind === 'server') this.serversByThread.add(threadKey(span.service.process.pid, span.threadId), p);
      else if (span.kind === 'client') this.clientsByTuple.add(tupleKey(span.connection), p);
    }
  }

  /** The spans whose window ended at nowMs (all with `all`, or the oldest past maxSpans), in arrival order, parents decided. */
  drain(nowMs: number, all = false): Pending[] {
    const cutoff = nowMs - this.opts.waitMs;
    const excess = this.held - this.opts.maxSpans;
    let end = this.head;
    while (end < this.queue.length && (all || this.queue[end]!.arrivedMs <= cutoff || end - this.head < excess)) end++;
    const out = this.queue.slice(this.head, end);
    if (!all && excess > 0) for (const p of out) if (p.arrivedMs > cutoff) this.forced++;
    // Decide before anything leaves the indexes: a parent may leave in the same drain.
    for (const p of out) this.parentOf(p);
    for (const p of out) this.forget(p);
    this.head = end;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    return out;
  }

  /** The span's parent on this host (null: none), decided once. */
  parentOf(p: Pending): Pending | null {
    if (p.parent !== undefined) return p.parent;
    const s = p.span;
    let parent: Pending | null = null;
    if (s.trace.parentSpanId !== '') {
      // A parent from a traceparent (or context propagation's kernel ids) is kept; when it is the span this host
      // saw at the other end of the connection, or the request its thread serves, the link is also a local one.
      parent = s.kind === 'server' ? this.callerOf(p) : s.kind === 'client' ? this.servingRequestOf(p) : null;
      if (parent && parent.span.trace.spanId === s.trace.parentSpanId) {
        p.link = s.kind === 'server' ? 'connection' : 'thread';
        if (s.kind === 'server') parent.reached = true;
      } else {
        parent = null;
        p.link = 'external';
      }
    } else if (s.kind === 'server') {
      parent = this.callerOf(p);
      if (parent) {
        p.link = 'connection';
        parent.reached = true;
      }
    } else if (s.kind === 'client') {
      parent = this.servingRequestOf(p);
      if (parent) p.link = 'thread';
    }
    p.parent = parent;
    return parent;
  }

  /** The first span up the parent chain without a parent on this host. */
  rootOf(p: Pending): Pending {
    let root = p;
    for (let i = 0; i < MAX_DEPTH; i++) {
      const up = this.parentOf(root);
      if (!up) break;
      root = up;
    }
    return root;
  }

  /**
   * The client span at the other end of the server span's connection that was in progress when its request was read.
   * Calls end after the server span, so arrive after it: the scan starts at the server span's arrival.
   */
  private callerOf(server: Pending): Pending | null {
    const list = this.clientsByTuple.get(mirroredKey(server.span.connection));
    if (!list) return null;
    const items = list.items;
    let best: Pending | null = null;
    let pastBest = 0;
    for (let i = firstAtOrAfter(items, list.head, server.seq - ORDER_SLACK); i < items.length; i++) {
      const c = items[i]!;
      if (best && ++pastBest > ORDER_SLACK) break;
      if (c.start > server.start || c.end + WRITE_RETURN_SLACK_NS < server.end) continue;
      if (!best || c.start > best.start) best = c;
    }
    return best;
  }

  /**
   * The request the client's thread was serving when it started the call: of the server spans of its process and
   * thread that enclose the call, the one whose request was read last before the call was written. A thread-per-
   * request runtime has one such span; Node's loop thread reads many requests, but a handler starts its call in
   * the tick that parsed its request (process.nextTick included), before the loop reads the next request: it
   * writes the call then on a reused connection, or calls connect() then and writes once connected (so the
   * call began at its connect() when the kernel saw one, Span.connectUnixNano).
   */
  private servingRequestOf(client: Pending): Pending | null {
    return this.serversByThread.latestEnclosing(threadKey(client.span.service.process.pid, client.span.threadId), client.initiated, client.end);
  }

  private forget(p: Pending): void {
    const span = p.span;
    if (span.kind === 'server') this.serversByThread.remove(threadKey(span.service.process.pid, span.threadId), p);
    else if (span.kind === 'client') this.clientsByTuple.remove(tupleKey(span.connection), p);
  }
}

/** The index of the first span of `list` from `from` on (in arrival order) that arrived at or after `seq`. */
function firstAtOrAfter(list: readonly Pending[], from: number, seq: number): number {
  let lo = from;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

import type { Span } from '../model/span.js';

/** How a span found its parent. */
export type LinkKind =
  /** a client call made by the thread serving a request of the same process */
  | 'thread'
  /** the server span of a connection whose client end is a client span on this host */
  | 'connection'
  /** the span already had a parent (an incoming or outgoing traceparent) */
  | 'external'
  | 'none';

/** A span held by the joiner until its window ends. */
export class Pending {
  /** undefined: not decided yet (decided when the span or one of its descendants leaves). */
  parent: Pending | null | undefined = undefined;
  link: LinkKind = 'none';
  /** A server span whose parent is this client span was found (the call reached an observed server). */
  reached = false;
  /** Start and end in ns since the joiner's epoch, as numbers: the candidate scans compare without BigInts. */
  readonly start: number;
  readonly end: number;
  /** When the call began: its connect() when it opened its connection, else its start. */
  readonly initiated: number;

  constructor(
    readonly span: Span,
    readonly arrivedMs: number,
    /** Arrival order in the joiner. */
    readonly seq: number,
    epoch: bigint,
  ) {
    this.start = Number(span.startUnixNano - epoch);
    this.end = Number(span.endUnixNano - epoch);
    this.initiated = span.connectUnixNano !== undefined && span.connectUnixNano < span.startUnixNano ? Number(span.connectUnixNano - epoch) : this.start;
  }
}

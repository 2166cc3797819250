import type { AddressInterner } from './addr.js';

/** struct lumen_tcp_event (bpf/include/tcp_health.h), 72 bytes. */
export const TCP_EVENT_SIZE = 72;

export type TcpEventType = 'connect' | 'failed' | 'retransmit' | 'rtt';
export type TcpDirection = 'outgoing' | 'incoming' | 'unknown';

const TYPES: Record<number, TcpEventType> = { 1: 'connect', 2: 'failed', 3: 'retransmit', 4: 'rtt' };
const DIRECTIONS: readonly TcpDirection[] = ['outgoing', 'incoming', 'unknown'];

export interface TcpEvent {
  type: TcpEventType;
  /** CLOCK_MONOTONIC ns. */
  tsNs: number;
  /** Establishment time or smoothed RTT, ns (0 for other events). */
  valueNs: number;
  localAddress: string;
  localPort: number;
  peerAddress: string;
  peerPort: number;
  /** The process that called connect(), 0 when unknown. */
  pid: number;
  direction: TcpDirection;
  /** TCP state before the event (kernel numbering: 1 ESTABLISHED, 2 SYN_SENT, 3 SYN_RECV, ...). */
  state: number;
  /** errno of a failed connection. */
  err: number;
  /** Network namespace inode of the socket. */
  netns: number;
  /** Segments retransmitted (retransmit events). */
  segs: number;
}

const u64 = (b: Buffer, off: number): number => b.readUInt32LE(off) + b.readUInt32LE(off + 4) * 0x1_0000_0000;

/** Decodes one record at `off` of `len` bytes; undefined when it is not a TCP event this version knows. */
export function decodeTcpEvent(b: Buffer, off: number, len: number, addrs: AddressInterner): TcpEvent | undefined {
  if (len < TCP_EVENT_SIZE) return undefined;
  const type = TYPES[b[off + 56]!];
  if (type === undefined) return undefined;
  return {
    type,
    tsNs: u64(b, off),
    valueNs: u64(b, off + 8),
    localAddress: addrs.get(b, off + 16),
    peerAddress: addrs.get(b, off + 32),
    localPort: b.readUInt16LE(off + 48),
    peerPort: b.readUInt16LE(off + 50),
    pid: b.readUInt32LE(off + 52),
    direction: DIRECTIONS[b[off + 58]!] ?? 'unknown',
    state: b[off + 59]!,
    err: b.readInt32LE(off + 60),
    netns: b.readUInt32LE(off + 64),
    segs: b.readUInt32LE(off + 68),
  };
}

/** errno of a failed connection → the `reason` attribute of lumen.tcp.failed.connections. */
export function failureReason(err: number): 'refused' | 'reset' | 'timeout' | 'unreachable' | 'other' {
  switch (err) {
    case 111: return 'refused'; // ECONNREFUSED: RST in answer to the SYN
    case 104: // ECONNRESET
    case 32: return 'reset'; // EPIPE: RST received in CLOSE_WAIT
    case 110: return 'timeout'; // ETIMEDOUT: SYN or data retransmissions exhausted
    case 113: // EHOSTUNREACH
    case 101: return 'unreachable'; // ENETUNREACH
    default: return 'other';
  }
}

const ERRNO_NAMES: Record<number, string> = {
  111: 'ECONNREFUSED', 104: 'ECONNRESET', 32: 'EPIPE', 110: 'ETIMEDOUT', 113: 'EHOSTUNREACH', 101: 'ENETUNREACH',
  71: 'EPROTO', 103: 'ECONNABORTED',
};

export const errnoName = (err: number): string => ERRNO_NAMES[err] ?? `errno ${err}`;

import type { Service } from './service.js';

export type Transport = 'tcp' | 'udp' | 'icmp' | 'icmpv6' | 'other';
export type Direction = 'ingress' | 'egress';

/** L3/L4 traffic of one (src, dst, ports, transport, direction, interface) key over a window. */
export interface Flow {
  srcAddress: string;
  dstAddress: string;
  srcPort: number;
  dstPort: number;
  transport: Transport;
  direction: Direction;
  interface: string;
  bytes: number;
  packets: number;
  /** Window covered, wall-clock ns since the epoch. */
  startUnixNano: bigint;
  endUnixNano: bigint;
  /** The local process owning one end, when the tuple belongs to a local socket. */
  srcService?: Service;
  dstService?: Service;
  /** Decorations: src.cidr, dst.cidr, src.name, dst.name, … */
  attributes: Record<string, string>;
}

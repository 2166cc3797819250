import { formatAddress } from './addr.js';

/**
 * Parsing of /proc/net/{tcp,tcp6,udp,udp6}: one socket per line,
 * `sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...`.
 * Addresses are the kernel's 32-bit words printed in hex in host byte order (little-endian here).
 */
export interface ProcSocket {
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Hex state: 0A = TCP LISTEN, 01 = ESTABLISHED (also connected UDP), 07 = CLOSE (unconnected UDP). */
  readonly state: number;
  readonly inode: number;
}

const bytes = new Uint8Array(16);

/** "0100007F" (IPv4) or 32 hex digits (IPv6) → address text (IPv4-mapped IPv6 prints as IPv4). */
export function parseProcAddress(hex: string): string {
  bytes.fill(0);
  if (hex.length === 8) {
    bytes[10] = bytes[11] = 0xff;
    for (let i = 0; i < 4; i++) bytes[12 + i] = parseInt(hex.slice(6 - 2 * i, 8 - 2 * i), 16);
  } else {
    for (let w = 0; w < 4; w++) {
      for (let i = 0; i < 4; i++) bytes[w * 4 + i] = parseInt(hex.slice(w * 8 + 6 - 2 * i, w * 8 + 8 - 2 * i), 16);
    }
  }
  return formatAddress(bytes);
}

function endpoint(field: string): [string, number] {
  const c = field.indexOf(':');
  return [parseProcAddress(field.slice(0, c)), parseInt(field.slice(c + 1), 16)];
}

/** Parses a whole /proc/net/{tcp,udp}{,6} file; malformed lines are skipped. */
export function parseProcNet(text: string): ProcSocket[] {
  const out: ProcSocket[] = [];
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i]!.trim().split(/\s+/);
    if (f.length < 10) continue;
    const inode = Number(f[9]);
    if (!(inode > 0) || !f[1]!.includes(':') || !f[2]!.includes(':')) continue;
    const [localAddress, localPort] = endpoint(f[1]!);
    const [remoteAddress, remotePort] = endpoint(f[2]!);
    out.push({ localAddress, localPort, remoteAddress, remotePort, state: parseInt(f[3]!, 16), inode });
  }
  return out;
}

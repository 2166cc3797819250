import { LumenError } from '../../src/component/index.js';
import { parseAddress } from './addr.js';

/** One configured network: its text as written and its prefix in the 16-byte (v4-mapped) address space. */
interface Network {
  readonly text: string;
  readonly bytes: Uint8Array;
  /** Prefix length over 128 bits (an IPv4 /24 is 96 + 24). */
  readonly bits: number;
}

export class CidrError extends LumenError {
  override readonly name = 'CidrError';
  constructor(message: string) {
    super('LUMEN_INVALID_CIDR', message);
  }
}

function parseNetwork(text: string): Network {
  const slash = text.indexOf('/');
  const bytes = slash > 0 ? parseAddress(text.slice(0, slash)) : undefined;
  const prefix = Number(text.slice(slash + 1));
  const v4 = text.indexOf(':') < 0;
  if (!bytes || !/^\d{1,3}$/.test(text.slice(slash + 1)) || prefix > (v4 ? 32 : 128)) {
    throw new CidrError(`network.cidrs: ${JSON.stringify(text)} is not a CIDR, use one like "10.0.0.0/8" or "fd00::/8"`);
  }
  return { text, bytes, bits: v4 ? 96 + prefix : prefix };
}

function contains(n: Network, addr: Uint8Array | Buffer, off: number): boolean {
  const full = n.bits >> 3;
  for (let i = 0; i < full; i++) if (addr[off + i] !== n.bytes[i]) return false;
  const rest = n.bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((addr[off + full]! ^ n.bytes[full]!) & mask) === 0;
}

/**
 * Groups addresses into the configured CIDRs (`src.cidr` / `dst.cidr`): the most specific network that
 * contains the address wins, as Beyla does. Linear in the number of CIDRs (configs list a handful).
 */
export class CidrMatcher {
  private readonly networks: Network[];

  constructor(cidrs: readonly string[]) {
    // Most specific first, so the first match is the longest prefix.
    this.networks = cidrs.map(parseNetwork).sort((a, b) => b.bits - a.bits);
  }

  get empty(): boolean {
    return this.networks.length === 0;
  }

  /** The CIDR text (as configured) containing the 16-byte address at `off`, or undefined. */
  match(addr: Uint8Array | Buffer, off = 0): string | undefined {
    for (const n of this.networks) if (contains(n, addr, off)) return n.text;
    return undefined;
  }
}

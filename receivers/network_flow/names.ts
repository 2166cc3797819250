import { statSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { formatAddress, parseAddress } from './addr.js';

/** Canonical text of an address (so "::1", "0:0::1" and the flow's own formatting compare equal). */
function canonical(text: string): string | undefined {
  const b = parseAddress(text.split('%')[0]!);
  return b ? formatAddress(b) : undefined;
}

/** /etc/hosts body → address → first name listed for it (the first line mentioning an address wins). */
export function parseHosts(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const [addr, name] = line.split(/\s+/);
    if (!addr || !name) continue;
    const key = canonical(addr);
    if (key && !out.has(key)) out.set(key, name);
  }
  return out;
}

/** The addresses of this network namespace's interfaces, plus loopback ranges. */
export class LocalAddresses {
  private set = new Set<string>();

  constructor() {
    this.refresh();
  }

  refresh(): void {
    const next = new Set<string>();
    for (const list of Object.values(networkInterfaces())) {
      for (const a of list ?? []) {
        const c = canonical(a.address);
        if (c) next.add(c);
      }
    }
    this.set = next;
  }

  has(addr: string): boolean {
    return this.set.has(addr) || addr.startsWith('127.') || addr === '::1';
  }
}

/**
 * `reverse_names: local`: src.name / dst.name from what the host itself knows, never from DNS: the hosts file
 * (re-read when it changes), then the host name for the host's own addresses.
 */
export class ReverseNames {
  private hosts = new Map<string, string>();
  private mtimeMs = -1;

  constructor(private readonly hostsFile: string, private readonly hostName: string, private readonly local: LocalAddresses) {
    this.reload();
  }

  /** Re-reads the hosts file if it changed (cheap stat otherwise); a missing file means no entries. */
  reload(): void {
    let mtime: number;
    try {
      mtime = statSync(this.hostsFile).mtimeMs;
    } catch {
      this.hosts = new Map();
      this.mtimeMs = -1;
      return;
    }
    if (mtime === this.mtimeMs) return;
    this.mtimeMs = mtime;
    this.hosts = parseHosts(readFileSync(this.hostsFile, 'utf8'));
  }

  name(addr: string): string | undefined {
    return this.hosts.get(addr) ?? (this.local.has(addr) ? this.hostName : undefined);
  }
}

import { readdirSync, readFileSync } from 'node:fs';
import picomatch from 'picomatch';

export interface NetInterface {
  readonly name: string;
  readonly ifindex: number;
}

/** The interfaces of the agent's network namespace, from /sys/class/net (present even without addresses). */
export function listInterfaces(root = '/sys/class/net'): NetInterface[] {
  const out: NetInterface[] = [];
  for (const name of readdirSync(root)) {
    try {
      const ifindex = Number(readFileSync(`${root}/${name}/ifindex`, 'latin1').trim());
      if (Number.isInteger(ifindex) && ifindex > 0) out.push({ name, ifindex });
    } catch {
      // removed while we listed it
    }
  }
  return out.sort((a, b) => a.ifindex - b.ifindex);
}

/**
 * `interfaces` / `exclude_interfaces`: globs on interface names. An empty include list means every interface;
 * exclusions apply after it, except that a name written literally in `interfaces` (e.g. `lo`) is always
 * watched, so selecting loopback works without also clearing the default exclusion.
 */
export class InterfaceSelector {
  private readonly literal: Set<string>;
  private readonly include: ((name: string) => boolean) | undefined;
  private readonly exclude: ((name: string) => boolean) | undefined;

  constructor(include: readonly string[], exclude: readonly string[]) {
    this.literal = new Set(include.filter((g) => !picomatch.scan(g).isGlob));
    this.include = include.length ? picomatch(include as string[]) : undefined;
    this.exclude = exclude.length ? picomatch(exclude as string[]) : undefined;
  }

  matches(name: string): boolean {
    if (this.literal.has(name)) return true;
    if (this.include && !this.include(name)) return false;
    return !this.exclude?.(name);
  }
}

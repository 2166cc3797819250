/**
 * `deduper: first_come`: a packet that crosses several watched interfaces (a container's veth, then the
 * bridge, then the uplink) would be counted on each. The first interface a 5-tuple shows up on owns it;
 * reports of the same 5-tuple from other interfaces are dropped (and counted) until the owner has not seen
 * it for `ttlNs`, after which the next interface to report it takes over.
 */
export class FirstComeDeduper {
  private readonly owners = new Map<string, { ifindex: number; lastNs: number }>();

  constructor(private readonly ttlNs: number) {}

  /** True when counts of `tuple` seen on `ifindex` (last packet at `lastNs`) are to be kept. */
  accept(tuple: string, ifindex: number, lastNs: number): boolean {
    const o = this.owners.get(tuple);
    if (o === undefined || (o.ifindex !== ifindex && lastNs - o.lastNs > this.ttlNs)) {
      this.owners.set(tuple, { ifindex, lastNs });
      return true;
    }
    if (o.ifindex !== ifindex) return false;
    if (lastNs > o.lastNs) o.lastNs = lastNs;
    return true;
  }

  /** Forgets owners idle for longer than the TTL (called on each sweep, keeps the map bounded). */
  expire(nowNs: number): void {
    for (const [t, o] of this.owners) if (nowNs - o.lastNs > this.ttlNs) this.owners.delete(t);
  }

  get size(): number {
    return this.owners.size;
  }
}

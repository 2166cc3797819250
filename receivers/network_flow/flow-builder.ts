import type { Flow } from '../../src/model/flow.js';
import type { Service } from '../../src/model/service.js';
import type { AddressInterner } from './addr.js';
import type { CidrMatcher } from './cidr.js';
import type { MonotonicClock } from './clock.js';
import { KEY, directionOf, keyPort, transportOf } from './flow-record.js';
import type { TableEntry } from './flow-table.js';
import type { LocalAddresses, ReverseNames } from './names.js';
import type { SocketOwners, SocketProto } from './socket-owners.js';

export interface FlowBuilderDeps {
  addrs: AddressInterner;
  clock: MonotonicClock;
  ifname(ifindex: number): string;
  cidrs: CidrMatcher;
  local: LocalAddresses;
  names?: ReverseNames;
  owners?: SocketOwners;
  service(pid: number): Service | undefined;
  processName(pid: number): string;
}

/** Owning pids found while the flow was live (sockets may be gone by the time it is reported). */
interface Owners {
  src?: number;
  dst?: number;
}

/**
 * Table entries → Flow objects, decorated with what the host knows: src.cidr/dst.cidr (network.cidrs),
 * src.name/dst.name (reverse_names), and for endpoints that are local sockets the owning process
 * (src.process.pid, src.process.executable.name, and srcService when discovery instruments it).
 */
export class FlowBuilder {
  constructor(private readonly deps: FlowBuilderDeps) {}

  /** Called once when a flow enters the table: resolve socket owners while the sockets still exist. */
  noteNew(e: TableEntry): void {
    if (this.deps.owners) e.note = this.resolveOwners(e, {});
  }

  build(e: TableEntry): Flow {
    const d = this.deps;
    const k = e.key;
    const srcAddress = d.addrs.get(k, KEY.src);
    const dstAddress = d.addrs.get(k, KEY.dst);
    const attributes: Record<string, string> = {};
    if (!d.cidrs.empty) {
      const s = d.cidrs.match(k, KEY.src);
      const t = d.cidrs.match(k, KEY.dst);
      if (s) attributes['src.cidr'] = s;
      if (t) attributes['dst.cidr'] = t;
    }
    if (d.names) {
      const s = d.names.name(srcAddress);
      const t = d.names.name(dstAddress);
      if (s) attributes['src.name'] = s;
      if (t) attributes['dst.name'] = t;
    }
    const flow: Flow = {
      srcAddress,
      dstAddress,
      srcPort: keyPort(k, 'sport'),
      dstPort: keyPort(k, 'dport'),
      transport: transportOf(k[KEY.proto]!),
      direction: directionOf(k[KEY.direction]!),
      interface: d.ifname(k.readUInt32LE(KEY.ifindex)),
      bytes: e.bytes,
      packets: e.packets,
      startUnixNano: d.clock.toUnixNano(e.firstNs),
      endUnixNano: d.clock.toUnixNano(e.lastNs),
      attributes,
    };
    if (d.owners) {
      const owners = this.resolveOwners(e, (e.note as Owners | undefined) ?? {});
      if (owners.src) flow.srcService = this.processAttributes(owners.src, 'src', attributes);
      if (owners.dst) flow.dstService = this.processAttributes(owners.dst, 'dst', attributes);
    }
    return flow;
  }

  private processAttributes(pid: number, side: 'src' | 'dst', attributes: Record<string, string>): Service | undefined {
    attributes[`${side}.process.pid`] = String(pid);
    const name = this.deps.processName(pid);
    if (name) attributes[`${side}.process.executable.name`] = name;
    return this.deps.service(pid);
  }

  private resolveOwners(e: TableEntry, known: Owners): Owners {
    const k = e.key;
    const proto = k[KEY.proto];
    if (proto !== 6 && proto !== 17) return known;
    const p: SocketProto = proto === 6 ? 'tcp' : 'udp';
    const owners = this.deps.owners!;
    const src = this.deps.addrs.get(k, KEY.src);
    const dst = this.deps.addrs.get(k, KEY.dst);
    const sport = keyPort(k, 'sport');
    const dport = keyPort(k, 'dport');
    if (known.src === undefined && this.deps.local.has(src)) known.src = owners.owner(p, src, sport, dst, dport);
    if (known.dst === undefined && this.deps.local.has(dst)) known.dst = owners.owner(p, dst, dport, src, sport);
    return known;
  }
}

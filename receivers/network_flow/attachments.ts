import type { BpfLink, BpfObject, TcLink } from '../../src/bpf/types.js';
import type { Logger } from '../../src/component/index.js';
import { listInterfaces, type InterfaceSelector, type NetInterface } from './interfaces.js';

export type FlowSource = 'socket_filter' | 'tc';

/** The BPF programs of bpf/network_flow.bpf.c per source. */
export const SOURCE_PROGRAMS: Record<FlowSource, readonly string[]> = {
  socket_filter: ['nf_socket'],
  tc: ['nf_tc_ingress', 'nf_tc_egress'],
};

/**
 * Keeps the flow programs attached to the selected interfaces: sync() attaches to interfaces that appeared
 * (or were re-created with a new ifindex) and closes the links of those that vanished or stopped matching.
 */
export class InterfaceAttachments {
  private readonly links = new Map<string, { iface: NetInterface; links: BpfLink[] }>();
  private readonly names = new Map<number, string>();
  private readonly failed = new Set<string>();
  private modeLogged = false;

  constructor(
    private readonly obj: BpfObject,
    private readonly source: FlowSource,
    private readonly selector: InterfaceSelector,
    private readonly logger: Logger,
    private readonly list: () => NetInterface[] = listInterfaces,
  ) {}

  /** Interface name of an ifindex seen in this namespace (the number itself when unknown). */
  ifname(ifindex: number): string {
    return this.names.get(ifindex) ?? String(ifindex);
  }

  /** Names of the interfaces currently watched. */
  watched(): string[] {
    return [...this.links.values()].map((l) => l.iface.name);
  }

  /** Attaches/detaches to follow the interface list; returns what changed. Throws nothing per interface. */
  sync(): { attached: string[]; detached: string[]; failed: string[] } {
    const present = this.list();
    const result = { attached: [] as string[], detached: [] as string[], failed: [] as string[] };
    const wanted = new Map<string, NetInterface>();
    for (const i of present) {
      this.names.set(i.ifindex, i.name);
      if (this.selector.matches(i.name)) wanted.set(`${i.name}#${i.ifindex}`, i);
    }
    for (const [id, l] of this.links) {
      if (wanted.has(id)) continue;
      for (const link of l.links) closeQuietly(link);
      this.links.delete(id);
      result.detached.push(l.iface.name);
    }
    for (const [id, iface] of wanted) {
      if (this.links.has(id)) continue;
      try {
        this.links.set(id, { iface, links: this.attach(iface.name) });
        this.failed.delete(id);
        result.attached.push(iface.name);
      } catch (e) {
        // Log once per interface instance; it is retried on every sync (it may have been going down).
        if (!this.failed.has(id)) this.logger.warn('cannot watch interface', { interface: iface.name, error: (e as Error).message });
        this.failed.add(id);
        result.failed.push(iface.name);
      }
    }
    return result;
  }

  close(): void {
    for (const l of this.links.values()) for (const link of l.links) closeQuietly(link);
    this.links.clear();
  }

  private attach(ifname: string): BpfLink[] {
    if (this.source === 'socket_filter') return [this.obj.attachSocketFilter('nf_socket', ifname)];
    const links: TcLink[] = [];
    try {
      links.push(this.obj.attachTc('nf_tc_ingress', ifname, 'ingress'));
      links.push(this.obj.attachTc('nf_tc_egress', ifname, 'egress'));
    } catch (e) {
      for (const l of links) closeQuietly(l);
      throw e;
    }
    for (const l of links) {
      // Only the clsact fallback (kernels without tcx) can inherit a filter from an agent that was killed.
      if (l.removedStale > 0) this.logger.warn('removed a TC filter an earlier Lumen left behind', { interface: ifname, program: l.program });
    }
    if (!this.modeLogged) {
      this.modeLogged = true;
      this.logger.info(links[0]!.mode === 'tcx' ? 'TC programs held by tcx links (detached by the kernel when Lumen exits)'
        : 'TC programs attached as clsact filters (no tcx on this kernel: a killed agent leaves them until the next start)', { interface: ifname });
    }
    return links;
  }
}

function closeQuietly(link: BpfLink): void {
  try {
    link.close();
  } catch {
    // the interface is already gone: so are its hooks
  }
}

import { readlinkSync } from 'node:fs';
import { Subject, type Observable } from 'rxjs';
import { openObject } from '../../src/bpf/index.js';
import type { BpfObject, OpenOptions } from '../../src/bpf/types.js';
import type { Discovery } from '../../src/discovery/types.js';
import { flowBatch, measurementBatch, type Batch } from '../../src/model/batch.js';
import type { Service } from '../../src/model/service.js';
import type { ComponentContext, Receiver } from '../../src/component/index.js';
import { AddressInterner } from './addr.js';
import { CidrMatcher } from './cidr.js';
import { MonotonicClock } from './clock.js';
import type { NetworkFlowConfig } from './config.js';
import { FlowBuilder } from './flow-builder.js';
import { FlowCollector } from './flow-collector.js';
import { InterfaceSelector, type NetInterface } from './interfaces.js';
import { LocalAddresses, ReverseNames } from './names.js';
import { ProcessNames } from './process-names.js';
import { SocketOwners } from './socket-owners.js';
import { TcpCollector } from './tcp-collector.js';
import type { TcpEvent } from './tcp-event.js';
import { TcpHealthConverter } from './tcp-health.js';

/** Seams for tests and embedding: the BPF loader and the interface lister. */
export interface ReceiverSeams {
  open?: (path: string, options: OpenOptions) => BpfObject;
  listInterfaces?: () => NetInterface[];
}

/** Inode of this process's network namespace (the number in /proc/self/ns/net → "net:[N]"). */
function ownNetns(): number {
  try {
    return Number(/\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/net'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/**
 * network_flow: flows (bytes/packets per 5-tuple, direction and interface) from a socket filter or TC
 * programs, plus TCP health measurements from tracepoints. Emits FlowBatch and MeasurementBatch.
 */
export class NetworkFlowReceiver implements Receiver {
  private readonly subject = new Subject<Batch>();
  readonly output: Observable<Batch> = this.subject.asObservable();
  private state: 'new' | 'running' | 'stopped' = 'new';
  private flowsC: FlowCollector | undefined;
  private tcpC: TcpCollector | undefined;
  private maintenance: NodeJS.Timeout | undefined;
  private readonly clock = new MonotonicClock();
  private readonly addrs = new AddressInterner();
  private readonly local = new LocalAddresses();
  private readonly processes = new ProcessNames();
  private readonly owners: SocketOwners | undefined;
  private readonly names: ReverseNames | undefined;
  private readonly netns = ownNetns();
  private discovery: Discovery | undefined;

  constructor(private readonly config: NetworkFlowConfig, private readonly ctx: ComponentContext, private readonly seams: ReceiverSeams = {}) {
    if (config.decorate_processes) {
      this.owners = new SocketOwners({}, (e) => ctx.logger.debug('socket owner refresh failed', { error: e.message }));
    }
    if (config.reverse_names === 'local') this.names = new ReverseNames(config.hosts_file, ctx.hostName, this.local);
  }

  async start(): Promise<void> {
    if (this.state !== 'new') return;
    this.state = 'running';
    const c = this.config;
    try {
      this.discovery = this.ctx.discovery();
    } catch (e) {
      this.ctx.logger.debug('no discovery: flows are attributed to processes but not to services', { error: (e as Error).message });
    }
    const open = this.seams.open ?? openObject;
    const service = (pid: number): Service | undefined => this.discovery?.service(pid);
    const builder = new FlowBuilder({
      addrs: this.addrs, clock: this.clock, ifname: (i) => this.flowsC?.ifname(i) ?? String(i),
      cidrs: new CidrMatcher(c.cidrs), local: this.local, names: this.names, owners: this.owners,
      service, processName: (pid) => this.processes.get(pid),
    });
    const include = new Set<string>(c.protocols);
    const exclude = new Set<string>(c.exclude_protocols);
    this.flowsC = new FlowCollector({
      source: c.source,
      selector: new InterfaceSelector(c.interfaces, c.exclude_interfaces),
      activeMs: c.cache_active_timeout,
      inactiveMs: c.cache_inactive_timeout,
      maxFlows: c.cache_max_flows,
      dedupe: c.deduper === 'first_come',
      transportAllowed: include.size || exclude.size ? (t) => (include.size === 0 || include.has(t)) && !exclude.has(t) : undefined,
      clock: this.clock,
      builder,
      emit: (flows) => this.subject.next(flowBatch(flows)),
      afterTick: () => {
        this.owners?.maybeRefresh();
        this.tcpC?.readStats();
      },
      open,
      listInterfaces: this.seams.listInterfaces,
    }, this.ctx);
    try {
      // Know the listening sockets before the first events arrive (accepted connections are attributed by them).
      await this.owners?.refresh().catch((e: Error) => this.ctx.logger.debug('socket tables unreadable', { error: e.message }));
      this.flowsC.start();
      this.flowsC.pollInterfaces(c.interfaces_poll_interval);
      if (c.tcp_health.enabled) this.startTcp(open, service);
    } catch (e) {
      await this.shutdown();
      throw e;
    }
    this.maintenance = setInterval(() => {
      this.clock.rebase();
      this.local.refresh();
      this.names?.reload();
    }, 10_000);
    this.maintenance.unref();
  }

  async shutdown(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    if (this.maintenance) clearInterval(this.maintenance);
    try {
      await this.tcpC?.stop();
      this.flowsC?.stop();
    } finally {
      this.tcpC = this.flowsC = undefined;
      this.subject.complete();
    }
  }

  /** Drains and emits now (tests and benchmarks; production relies on the tick). */
  tick(): void {
    this.flowsC?.tick();
  }

  private startTcp(open: NonNullable<ReceiverSeams['open']>, service: (pid: number) => Service | undefined): void {
    const converter = new TcpHealthConverter({
      clock: this.clock,
      ownerPid: (e) => e.pid || (e.netns === this.netns ? this.owners?.owner('tcp', e.localAddress, e.localPort, e.peerAddress, e.peerPort) : undefined),
      service,
      processName: (pid) => this.processes.get(pid),
    });
    this.tcpC = new TcpCollector({
      rttSampleMs: this.config.tcp_health.rtt_sample_interval,
      addrs: this.addrs,
      converter,
      observe: (e) => this.learn(e),
      // An event of this namespace whose socket owner is unknown: refresh the socket tables first (rate-limited).
      prepare: (events) => (events.some((e) => !e.pid && e.netns === this.netns && this.owners?.owner('tcp', e.localAddress, e.localPort, e.peerAddress, e.peerPort) === undefined)
        ? this.owners?.maybeRefresh()
        : undefined),
      emit: (ms) => this.subject.next(measurementBatch(ms)),
      open,
    }, this.ctx);
    try {
      this.tcpC.start();
    } catch (e) {
      // Flows work without it; say what is missing.
      this.ctx.logger.warn('TCP health disabled: cannot attach its tracepoints', { error: (e as Error).message });
      this.tcpC = undefined;
    }
  }

  /** Outgoing connections of this namespace: remember who connected, for flows whose socket is gone later. */
  private learn(e: TcpEvent): void {
    if (e.type === 'connect' && e.direction === 'outgoing' && e.pid && e.netns === this.netns) {
      this.owners?.learn('tcp', e.localAddress, e.localPort, e.peerAddress, e.peerPort, e.pid);
    }
  }
}

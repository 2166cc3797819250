import type { Measurement } from '../../src/model/measurement.js';
import { METRICS } from '../../src/model/metrics.js';
import type { Service } from '../../src/model/service.js';
import type { MonotonicClock } from './clock.js';
import { errnoName, failureReason, type TcpEvent } from './tcp-event.js';

export interface TcpHealthDeps {
  clock: MonotonicClock;
  /** The pid owning the socket of an event (its connect() pid, else the socket-table owner), if known. */
  ownerPid(e: TcpEvent): number | undefined;
  service(pid: number): Service | undefined;
  processName(pid: number): string | undefined;
}

/**
 * TCP events → lumen.tcp.* measurements, per service (the owning process) and peer:
 *   connect    → lumen.tcp.connect.duration (s, histogram), direction outgoing|incoming
 *   failed     → lumen.tcp.failed.connections (+1), reason refused|reset|timeout|unreachable|other
 *   retransmit → lumen.tcp.retransmits (+ segments resent), summed per attribute set within a batch
 *   rtt        → lumen.tcp.rtt (s, histogram)
 */
export class TcpHealthConverter {
  constructor(private readonly deps: TcpHealthDeps) {}

  convert(events: readonly TcpEvent[]): Measurement[] {
    const out: Measurement[] = [];
    const counters = new Map<string, Measurement>();
    for (const e of events) {
      const pid = this.deps.ownerPid(e);
      const service = pid ? this.deps.service(pid) : undefined;
      const attributes: Record<string, string | number> = {
        direction: e.direction,
        'peer.address': e.peerAddress,
        'peer.port': e.peerPort,
        'local.address': e.localAddress,
        'local.port': e.localPort,
      };
      if (pid) {
        attributes['process.pid'] = pid;
        const name = this.deps.processName(pid);
        if (name) attributes['process.executable.name'] = name;
      }
      const time = this.deps.clock.toUnixNano(e.tsNs);
      const m = (metric: string, value: number): Measurement => ({ metric, value, attributes, service, timeUnixNano: time });
      switch (e.type) {
        case 'connect':
          out.push(m(METRICS.tcpConnectDuration.name, e.valueNs / 1e9));
          break;
        case 'rtt':
          out.push(m(METRICS.tcpRtt.name, e.valueNs / 1e9));
          break;
        case 'failed':
          attributes['reason'] = failureReason(e.err);
          attributes['error.type'] = errnoName(e.err);
          this.count(counters, m(METRICS.tcpFailedConnections.name, 1));
          break;
        case 'retransmit':
          this.count(counters, m(METRICS.tcpRetransmits.name, Math.max(1, e.segs)));
          break;
      }
    }
    for (const c of counters.values()) out.push(c);
    return out;
  }

  private count(counters: Map<string, Measurement>, m: Measurement): void {
    const a = m.attributes;
    const key = `${m.metric}|${m.service?.instanceId ?? ''}|${a['process.pid'] ?? ''}|${a['direction']}|${a['peer.address']}|${a['peer.port']}|${a['local.address']}|${a['local.port']}|${a['reason'] ?? ''}|${a['error.type'] ?? ''}`;
    const prev = counters.get(key);
    if (prev) {
      prev.value += m.value;
      if (m.timeUnixNano > prev.timeUnixNano) prev.timeUnixNano = m.timeUnixNano;
    } else {
      counters.set(key, m);
    }
  }
}

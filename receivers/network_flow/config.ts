import type { JsonSchema } from '../../src/component/index.js';

/** The `network_flow` receiver's configuration, as written in pipelines.yaml (snake_case like Beyla's `network:`). */
export interface NetworkFlowConfig {
  /** Where packets are counted: a socket filter on an AF_PACKET socket per interface, or TC clsact hooks. */
  source: 'socket_filter' | 'tc';
  /** Interface name globs to watch; empty = every interface. Exact names listed here win over exclude_interfaces. */
  interfaces: string[];
  /** Interface name globs to skip (default: loopback). */
  exclude_interfaces: string[];
  /** How often the interface list is re-read to pick up new interfaces and drop removed ones. */
  interfaces_poll_interval: string;
  /** A flow still active is reported (and restarted) after this long. */
  cache_active_timeout: string;
  /** A flow without packets for this long is reported and forgotten. */
  cache_inactive_timeout: string;
  /** Flows held at once, in the kernel map and in the table; beyond it the oldest flow is evicted early. */
  cache_max_flows: number;
  /** first_come: a 5-tuple seen on several interfaces (forwarding, bridges) is kept from the first only. */
  deduper: 'first_come' | 'none';
  /** Only these transports (empty = all): tcp, udp, icmp, icmpv6, other. */
  protocols: string[];
  exclude_protocols: string[];
  /** CIDRs that group addresses into src.cidr / dst.cidr (the most specific match wins). */
  cidrs: string[];
  /** src.name / dst.name from local knowledge: /etc/hosts and this host's own addresses (`none` disables). */
  reverse_names: 'local' | 'none';
  hosts_file: string;
  /** Attribute flows to the local process owning the socket (/proc/net + /proc/PID/fd, TCP connect events). */
  decorate_processes: boolean;
  /** TCP health metrics from tracepoints: connect time, failed connections, retransmits, RTT. */
  tcp_health: TcpHealthConfig;
}

export interface TcpHealthConfig {
  enabled: boolean;
  /** Besides the RTT read when a connection closes, sample it this often per receiving connection (0 = only at close). */
  rtt_sample_interval: string;
}

const PROTOCOLS = ['tcp', 'udp', 'icmp', 'icmpv6', 'other'];

const globList = (description: string, dflt: string[]) => ({
  type: 'array', items: { type: 'string', minLength: 1 }, default: dflt, description,
});

export const networkFlowSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    source: { type: 'string', enum: ['socket_filter', 'tc'], default: 'socket_filter', description: 'socket_filter (AF_PACKET) or tc (clsact ingress/egress).' },
    interfaces: globList('Interface name globs to watch; empty means all.', []),
    exclude_interfaces: globList('Interface name globs to skip.', ['lo']),
    interfaces_poll_interval: { type: 'string', format: 'positive-duration', default: '2s', description: 'How often new or removed interfaces are picked up.' },
    cache_active_timeout: { type: 'string', format: 'positive-duration', default: '5s', description: 'Report a still-active flow after this long.' },
    cache_inactive_timeout: { type: 'string', format: 'positive-duration', default: '2s', description: 'Report and forget a flow idle for this long.' },
    cache_max_flows: { type: 'integer', minimum: 16, maximum: 10_000_000, default: 5000, description: 'Flows held at once; beyond it the oldest is evicted early.' },
    deduper: { type: 'string', enum: ['first_come', 'none'], default: 'first_come', description: 'Keep a 5-tuple seen on several interfaces from the first one only.' },
    protocols: { type: 'array', items: { type: 'string', enum: PROTOCOLS }, default: [], description: 'Only these transports (empty = all).' },
    exclude_protocols: { type: 'array', items: { type: 'string', enum: PROTOCOLS }, default: [], description: 'Transports to ignore.' },
    cidrs: {
      type: 'array', default: [], description: 'CIDRs grouping addresses into src.cidr/dst.cidr.',
      items: { type: 'string', format: 'cidr' },
    },
    reverse_names: { type: 'string', enum: ['local', 'none'], default: 'local', description: 'src.name/dst.name from /etc/hosts and the host\'s own addresses.' },
    hosts_file: { type: 'string', minLength: 1, default: '/etc/hosts', description: 'The hosts file reverse names are read from.' },
    decorate_processes: { type: 'boolean', default: true, description: 'Attribute flows to the local process owning the socket.' },
    tcp_health: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        enabled: { type: 'boolean', default: true, description: 'Emit lumen.tcp.* metrics from tracepoints.' },
        rtt_sample_interval: { type: 'string', format: 'duration', default: '10s', description: 'RTT sample period per receiving connection (0 = only at close).' },
      },
    },
  },
};

export function defaultNetworkFlowConfig(): NetworkFlowConfig {
  return {
    source: 'socket_filter',
    interfaces: [],
    exclude_interfaces: ['lo'],
    interfaces_poll_interval: '2s',
    cache_active_timeout: '5s',
    cache_inactive_timeout: '2s',
    cache_max_flows: 5000,
    deduper: 'first_come',
    protocols: [],
    exclude_protocols: [],
    cidrs: [],
    reverse_names: 'local',
    hosts_file: '/etc/hosts',
    decorate_processes: true,
    tcp_health: { enabled: true, rtt_sample_interval: '10s' },
  };
}

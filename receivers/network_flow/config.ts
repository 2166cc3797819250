import { componentConfig } from '../../src/config/component-config.js';
import { array, boolean, duration, enumOf, integer, object, string, type Infer } from '../../src/config/typed-schema.js';

const PROTOCOLS = ['tcp', 'udp', 'icmp', 'icmpv6', 'other'] as const;

const globList = (description: string, dflt: string[]) => array(string({ minLength: 1 }), { default: dflt, description });

/** The `network_flow` receiver's configuration, as written in pipelines.yaml (snake_case like Beyla's `network:`). Durations in ms once decoded. */
export const networkFlowConfig = object({
  /** Where packets are counted: a socket filter on an AF_PACKET socket per interface, or TC clsact hooks. */
  source: enumOf(['socket_filter', 'tc'], { default: 'socket_filter', description: 'socket_filter (AF_PACKET) or tc (clsact ingress/egress).' }),
  /** Interface name globs to watch; empty = every interface. Exact names listed here win over exclude_interfaces. */
  interfaces: globList('Interface name globs to watch; empty means all.', []),
  /** Interface name globs to skip (default: loopback). */
  exclude_interfaces: globList('Interface name globs to skip.', ['lo']),
  /** How often the interface list is re-read to pick up new interfaces and drop removed ones. */
  interfaces_poll_interval: duration({ positive: true, default: '2s', description: 'How often new or removed interfaces are picked up.' }),
  /** A flow still active is reported (and restarted) after this long. */
  cache_active_timeout: duration({ positive: true, default: '5s', description: 'Report a still-active flow after this long.' }),
  /** A flow without packets for this long is reported and forgotten. */
  cache_inactive_timeout: duration({ positive: true, default: '2s', description: 'Report and forget a flow idle for this long.' }),
  /** Flows held at once, in the kernel map and in the table; beyond it the oldest flow is evicted early. */
  cache_max_flows: integer({ minimum: 16, maximum: 10_000_000, default: 5000, description: 'Flows held at once; beyond it the oldest is evicted early.' }),
  /** first_come: a 5-tuple seen on several interfaces (forwarding, bridges) is kept from the first only. */
  deduper: enumOf(['first_come', 'none'], { default: 'first_come', description: 'Keep a 5-tuple seen on several interfaces from the first one only.' }),
  /** Only these transports (empty = all): tcp, udp, icmp, icmpv6, other. */
  protocols: array(enumOf(PROTOCOLS), { default: [], description: 'Only these transports (empty = all).' }),
  exclude_protocols: array(enumOf(PROTOCOLS), { default: [], description: 'Transports to ignore.' }),
  /** CIDRs that group addresses into src.cidr / dst.cidr (the most specific match wins). */
  cidrs: array(string({ format: 'cidr' }), { default: [], description: 'CIDRs grouping addresses into src.cidr/dst.cidr.' }),
  /** src.name / dst.name from local knowledge: /etc/hosts and this host's own addresses (`none` disables). */
  reverse_names: enumOf(['local', 'none'], { default: 'local', description: 'src.name/dst.name from /etc/hosts and the host\'s own addresses.' }),
  hosts_file: string({ minLength: 1, default: '/etc/hosts', description: 'The hosts file reverse names are read from.' }),
  /** Attribute flows to the local process owning the socket (/proc/net + /proc/PID/fd, TCP connect events). */
  decorate_processes: boolean({ default: true, description: 'Attribute flows to the local process owning the socket.' }),
  /** TCP health metrics from tracepoints: connect time, failed connections, retransmits, RTT. */
  tcp_health: object({
    enabled: boolean({ default: true, description: 'Emit lumen.tcp.* metrics from tracepoints.' }),
    /** Besides the RTT read when a connection closes, sample it this often per receiving connection (0 = only at close). */
    rtt_sample_interval: duration({ default: '10s', description: 'RTT sample period per receiving connection (0 = only at close).' }),
  }),
});

export type NetworkFlowConfig = Infer<typeof networkFlowConfig>;
export type TcpHealthConfig = NetworkFlowConfig['tcp_health'];
export const { schema: networkFlowSchema, defaultConfig: defaultNetworkFlowConfig } = componentConfig(networkFlowConfig);

import type { InstrumentKind } from './measurement.js';

/** Every metric Lumen emits, with the names Beyla/OBI use so existing dashboards work (DESIGN.md §4). */
export interface MetricDefinition {
  /** OTel name, e.g. "http.server.request.duration". */
  readonly name: string;
  /** Prometheus name without _bucket/_sum/_count, e.g. "http_server_request_duration_seconds". */
  readonly promName: string;
  readonly instrument: InstrumentKind;
  /** UCUM unit for OTLP: "s", "By", "{connection}", "1". */
  readonly unit: string;
  readonly description: string;
  readonly buckets?: readonly number[];
  /** Default attributes (dotted OTel names), before any attributes-processor selection. */
  readonly defaultAttributes: readonly string[];
}

export const DURATION_BUCKETS = [0, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10] as const;
export const SIZE_BUCKETS = [0, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192] as const;
export const RTT_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1] as const;

const SERVICE = ['service.name', 'service.namespace'];
// network.protocol.version is Recommended on the HTTP metrics (semconv): '1.1' and '2' series apart.
const HTTP_SERVER = [...SERVICE, 'http.request.method', 'http.response.status_code', 'http.route', 'url.scheme', 'network.protocol.version', 'server.address', 'server.port'];
const HTTP_CLIENT = HTTP_SERVER;
const SERVICE_GRAPH = ['client', 'server', 'connection_type'];

function histogram(name: string, promName: string, unit: string, description: string, buckets: readonly number[], attrs: readonly string[]): MetricDefinition {
  return { name, promName, instrument: 'histogram', unit, description, buckets, defaultAttributes: attrs };
}

export const METRICS = {
  httpServerDuration: histogram('http.server.request.duration', 'http_server_request_duration_seconds', 's', 'Duration of HTTP server requests.', DURATION_BUCKETS, HTTP_SERVER),
  httpServerRequestSize: histogram('http.server.request.body.size', 'http_server_request_body_size_bytes', 'By', 'Size of HTTP server request bodies.', SIZE_BUCKETS, HTTP_SERVER),
  httpServerResponseSize: histogram('http.server.response.body.size', 'http_server_response_body_size_bytes', 'By', 'Size of HTTP server response bodies.', SIZE_BUCKETS, HTTP_SERVER),
  httpClientDuration: histogram('http.client.request.duration', 'http_client_request_duration_seconds', 's', 'Duration of HTTP client requests.', DURATION_BUCKETS, HTTP_CLIENT),
  httpClientRequestSize: histogram('http.client.request.body.size', 'http_client_request_body_size_bytes', 'By', 'Size of HTTP client request bodies.', SIZE_BUCKETS, HTTP_CLIENT),
  httpClientResponseSize: histogram('http.client.response.body.size', 'http_client_response_body_size_bytes', 'By', 'Size of HTTP client response bodies.', SIZE_BUCKETS, HTTP_CLIENT),
  rpcServerDuration: histogram('rpc.server.call.duration', 'rpc_server_call_duration_seconds', 's', 'Duration of RPC server calls.', DURATION_BUCKETS, [...SERVICE, 'rpc.method', 'rpc.system.name', 'rpc.response.status_code', 'server.address', 'server.port']),
  rpcClientDuration: histogram('rpc.client.call.duration', 'rpc_client_call_duration_seconds', 's', 'Duration of RPC client calls.', DURATION_BUCKETS, [...SERVICE, 'rpc.method', 'rpc.system.name', 'rpc.response.status_code', 'server.address']),
  dbClientDuration: histogram('db.client.operation.duration', 'db_client_operation_duration_seconds', 's', 'Duration of database client operations.', DURATION_BUCKETS, [...SERVICE, 'db.operation.name', 'db.system.name', 'error.type', 'server.address']),
  messagingClientDuration: histogram('messaging.client.operation.duration', 'messaging_client_operation_duration_seconds', 's', 'Duration of messaging client operations (Kafka produce and fetch).', DURATION_BUCKETS, [...SERVICE, 'messaging.operation.name', 'messaging.system', 'messaging.destination.name', 'error.type', 'server.address']),
  flowBytes: { name: 'lumen.network.flow.bytes', promName: 'lumen_network_flow_bytes_total', instrument: 'counter', unit: 'By', description: 'Bytes observed in network flows.', defaultAttributes: ['direction'] },
  flowPackets: { name: 'lumen.network.flow.packets', promName: 'lumen_network_flow_packets_total', instrument: 'counter', unit: '{packet}', description: 'Packets observed in network flows.', defaultAttributes: ['direction'] },
  tcpConnectDuration: histogram('lumen.tcp.connect.duration', 'lumen_tcp_connect_duration_seconds', 's', 'TCP connection establishment time (SYN to ESTABLISHED).', DURATION_BUCKETS, [...SERVICE, 'direction', 'peer.address']),
  tcpRtt: histogram('lumen.tcp.rtt', 'lumen_tcp_rtt_seconds', 's', 'Smoothed TCP round-trip time.', RTT_BUCKETS, [...SERVICE, 'peer.address']),
  tcpFailedConnections: { name: 'lumen.tcp.failed.connections', promName: 'lumen_tcp_failed_connections_total', instrument: 'counter', unit: '{connection}', description: 'TCP connections that failed (refused, reset, timed out).', defaultAttributes: [...SERVICE, 'reason', 'peer.address'] },
  tcpRetransmits: { name: 'lumen.tcp.retransmits', promName: 'lumen_tcp_retransmits_total', instrument: 'counter', unit: '{segment}', description: 'Retransmitted TCP segments.', defaultAttributes: [...SERVICE, 'peer.address'] },
  // The service graph (processors/service_graph), with the names Tempo and the Collector's servicegraph connector
  // use, so Grafana's service-graph view reads them as they are.
  serviceGraphRequests: { name: 'traces_service_graph_request_total', promName: 'traces_service_graph_request_total', instrument: 'counter', unit: '{request}', description: 'Requests between two services (client -> server edges).', defaultAttributes: SERVICE_GRAPH },
  serviceGraphFailed: { name: 'traces_service_graph_request_failed_total', promName: 'traces_service_graph_request_failed_total', instrument: 'counter', unit: '{request}', description: 'Failed requests between two services.', defaultAttributes: SERVICE_GRAPH },
  serviceGraphServer: histogram('traces_service_graph_request_server_seconds', 'traces_service_graph_request_server_seconds', 's', 'Duration of requests between two services, as the server saw them.', DURATION_BUCKETS, SERVICE_GRAPH),
  serviceGraphClient: histogram('traces_service_graph_request_client_seconds', 'traces_service_graph_request_client_seconds', 's', 'Duration of requests between two services, as the client saw them.', DURATION_BUCKETS, SERVICE_GRAPH),
} as const satisfies Record<string, MetricDefinition>;

const BY_NAME = new Map<string, MetricDefinition>(Object.values(METRICS).map((m) => [m.name, m]));

export function metricDefinition(name: string): MetricDefinition | undefined {
  return BY_NAME.get(name);
}

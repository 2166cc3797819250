/**
 * Writes the Grafana dashboards in deploy/grafana/dashboards/ from one panel list, once per metric naming mode
 * (exporters/prometheus/README.md, "Naming modes"), so the two stay alike:
 *   node --import tsx deploy/grafana/generate.ts
 * test/dashboards.test.ts runs every panel query against a real Prometheus scraping `lumen run`, and checks the
 * committed files are what this script writes.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The metric and label names a mode exports. */
interface Names {
  readonly server: string;
  readonly client: string;
  readonly method: string;
  readonly status: string;
  readonly peerName: string;
  readonly peerPort: string;
  readonly flowBytes: string;
  readonly flowPackets: string;
}

export const MODES: Readonly<Record<string, { title: string; uid: string; names: Names }>> = {
  'lumen-red.json': {
    title: 'Lumen — RED per service', uid: 'lumen-red',
    names: {
      server: 'http_server_request_duration_seconds', client: 'http_client_request_duration_seconds',
      method: 'http_request_method', status: 'http_response_status_code', peerName: 'server_address', peerPort: 'server_port',
      flowBytes: 'lumen_network_flow_bytes_total', flowPackets: 'lumen_network_flow_packets_total',
    },
  },
  'beyla-legacy-red.json': {
    title: 'Lumen — RED per service (Beyla names: metric_names legacy, metric_prefix beyla)', uid: 'lumen-red-beyla-legacy',
    names: {
      server: 'http_server_duration_seconds', client: 'http_client_duration_seconds',
      method: 'http_method', status: 'http_status_code', peerName: 'net_peer_name', peerPort: 'net_peer_port',
      flowBytes: 'beyla_network_flow_bytes_total', flowPackets: 'beyla_network_flow_packets_total',
    },
  },
};

interface Panel {
  readonly title: string;
  readonly type: 'timeseries' | 'stat' | 'bargauge';
  readonly unit: string;
  readonly description: string;
  readonly targets: readonly { expr: string; legend: string }[];
}

const SVC = 'service_name=~"$service"';
const RATE = '[$__rate_interval]';

function panels(n: Names): Panel[] {
  const count = (metric: string, extra = '') => `${metric}_count{${SVC}${extra}}${RATE}`;
  const quantile = (q: number, metric: string, by: string) =>
    `histogram_quantile(${q}, sum by (le, ${by}) (rate(${metric}_bucket{${SVC}}${RATE})))`;
  return [
    {
      title: 'Request rate', type: 'timeseries', unit: 'reqps', description: 'HTTP requests served per second, per service.',
      targets: [{ expr: `sum by (service_name) (rate(${count(n.server)}))`, legend: '{{service_name}}' }],
    },
    {
      title: 'Error rate (5xx)', type: 'timeseries', unit: 'percentunit', description: 'Share of served requests answered with a 5xx status.',
      targets: [{
        expr: `sum by (service_name) (rate(${count(n.server, `, ${n.status}=~"5.."`)})) / sum by (service_name) (rate(${count(n.server)}))`,
        legend: '{{service_name}}',
      }],
    },
    {
      title: 'Duration p50 / p95', type: 'timeseries', unit: 's', description: 'Server-side request duration quantiles, per service.',
      targets: [
        { expr: quantile(0.5, n.server, 'service_name'), legend: 'p50 {{service_name}}' },
        { expr: quantile(0.95, n.server, 'service_name'), legend: 'p95 {{service_name}}' },
      ],
    },
    {
      title: 'Status codes', type: 'timeseries', unit: 'reqps', description: 'Served requests per second by HTTP status code.',
      targets: [{ expr: `sum by (${n.status}) (rate(${count(n.server)}))`, legend: `{{${n.status}}}` }],
    },
    {
      title: 'Top routes', type: 'bargauge', unit: 'reqps', description: 'The 10 busiest routes (http_route) by request rate.',
      targets: [{ expr: `topk(10, sum by (service_name, ${n.method}, http_route) (rate(${count(n.server)})))`, legend: `{{${n.method}}} {{http_route}} ({{service_name}})` }],
    },
    {
      title: 'Slowest routes (p95)', type: 'bargauge', unit: 's', description: 'The 10 routes with the highest p95 duration.',
      targets: [{ expr: `topk(10, ${quantile(0.95, n.server, 'service_name, http_route')})`, legend: '{{http_route}} ({{service_name}})' }],
    },
    {
      title: 'Client calls', type: 'timeseries', unit: 'reqps', description: 'HTTP calls made by the services, per destination.',
      targets: [{ expr: `sum by (service_name, ${n.peerName}, ${n.peerPort}) (rate(${count(n.client)}))`, legend: `{{service_name}} → {{${n.peerName}}}:{{${n.peerPort}}}` }],
    },
    {
      title: 'Client call duration p95', type: 'timeseries', unit: 's', description: 'p95 of the HTTP calls the services make, per destination.',
      targets: [{ expr: quantile(0.95, n.client, `service_name, ${n.peerName}`), legend: `{{service_name}} → {{${n.peerName}}}` }],
    },
    {
      title: 'Client errors', type: 'timeseries', unit: 'percentunit', description: 'Share of client calls answered with a 4xx or 5xx status.',
      targets: [{
        expr: `sum by (service_name) (rate(${count(n.client, `, ${n.status}=~"[45].."`)})) / sum by (service_name) (rate(${count(n.client)}))`,
        legend: '{{service_name}}',
      }],
    },
    {
      title: 'Network flow bytes', type: 'timeseries', unit: 'Bps', description: 'Bytes per second seen by the network_flow receiver, by direction (host-wide, not per service).',
      targets: [{ expr: `sum by (direction) (rate(${n.flowBytes}${RATE}))`, legend: '{{direction}}' }],
    },
    {
      title: 'Network flow packets', type: 'timeseries', unit: 'pps', description: 'Packets per second seen by the network_flow receiver, by direction.',
      targets: [{ expr: `sum by (direction) (rate(${n.flowPackets}${RATE}))`, legend: '{{direction}}' }],
    },
  ];
}

function panelJson(p: Panel, i: number): object {
  return {
    id: i + 1, title: p.title, type: p.type, description: p.description,
    datasource: { type: 'prometheus', uid: '${datasource}' },
    gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
    fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
    options: p.type === 'bargauge' ? { displayMode: 'gradient', orientation: 'horizontal', reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false } }
      : { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } },
    targets: p.targets.map((t, k) => ({
      datasource: { type: 'prometheus', uid: '${datasource}' }, refId: String.fromCharCode(65 + k), expr: t.expr, legendFormat: t.legend,
      ...(p.type === 'bargauge' ? { instant: true, range: false } : {}),
    })),
  };
}

export function dashboard(file: string): object {
  const mode = MODES[file]!;
  return {
    uid: mode.uid, title: mode.title, tags: ['lumen', 'ebpf', 'red'], timezone: 'browser', schemaVersion: 39, version: 1,
    editable: true, refresh: '30s', time: { from: 'now-1h', to: 'now' },
    templating: {
      list: [
        { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: {}, hide: 0 },
        {
          name: 'service', label: 'Service', type: 'query', datasource: { type: 'prometheus', uid: '${datasource}' },
          query: { query: `label_values(${mode.names.server}_count, service_name)`, refId: 'service' },
          definition: `label_values(${mode.names.server}_count, service_name)`,
          refresh: 2, includeAll: true, multi: true, allValue: '.*', current: { text: 'All', value: '$__all' }, sort: 1,
        },
      ],
    },
    panels: panels(mode.names).map(panelJson),
  };
}

export const DASHBOARD_DIR = join(dirname(fileURLToPath(import.meta.url)), 'dashboards');

export function render(file: string): string {
  return `${JSON.stringify(dashboard(file), null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const file of Object.keys(MODES)) writeFileSync(join(DASHBOARD_DIR, file), render(file));
}

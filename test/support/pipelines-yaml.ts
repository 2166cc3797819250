/**
 * The pipelines.yaml of the end-to-end tests that run `lumen run` on instrumented processes and read what it
 * delivers from a test OTLP collector (http/protobuf, test/support/otlp-collector.ts) and its Prometheus endpoint
 * (internal metrics on). Components and pipelines are given as YAML flow-mapping bodies.
 */
export interface TestPipelines {
  /** The one discovery selector: `open_ports: "8080"`, `cmd_args: "*marker*"`. */
  instrument: string;
  /** name → settings: { kernel_socket: 'context_propagation: headers' }. */
  receivers: Readonly<Record<string, string>>;
  processors?: Readonly<Record<string, string>>;
  otlpHttp: number;
  prom: number;
  /** name → definition: { traces: 'receivers: [kernel_socket], exporters: [otlp]' }. */
  pipelines: Readonly<Record<string, string>>;
}

const section = (indent: string, entries: Readonly<Record<string, string>>) =>
  Object.entries(entries).map(([k, v]) => `${indent}${k}: { ${v} }\n`).join('');

export function pipelinesYaml(o: TestPipelines): string {
  return `
discovery:
  instrument: [{ ${o.instrument} }]
receivers:
${section('  ', o.receivers)}${o.processors ? `processors:\n${section('  ', o.processors)}` : ''}exporters:
  otlp: { endpoint: "http://127.0.0.1:${o.otlpHttp}", protocol: http/protobuf, batch: { timeout: 200ms } }
  prometheus: { endpoint: "127.0.0.1:${o.prom}" }
service:
  telemetry: { metrics: { enabled: true } }
  pipelines:
${section('    ', o.pipelines)}`;
}

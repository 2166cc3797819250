// The OpenTelemetry Node SDK as its documentation sets it up, preloaded into the hello server with --require:
// NodeSDK with every auto-instrumentation (fs off, as the docs advise for servers), its default
// BatchSpanProcessor around an OTLP http/protobuf trace exporter to the benchmark's sink (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT),
// no metrics or logs exporters, resource detectors limited to the local ones (env, host, os, process) so start-up
// makes no cloud metadata calls.
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { getNodeAutoInstrumentations } = require('@opentelemetry/auto-instrumentations-node');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto');

const sdk = new NodeSDK({
  serviceName: 'hello',
  traceExporter: new OTLPTraceExporter(),
  instrumentations: [getNodeAutoInstrumentations({ '@opentelemetry/instrumentation-fs': { enabled: false } })],
});
sdk.start();
process.on('SIGTERM', () => { sdk.shutdown().finally(() => process.exit(0)); });

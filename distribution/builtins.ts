import type { AnyFactory } from '../src/component/contract.js';
// The built-in components. To add one: ONE import line below and ONE entry in the list, nothing else.
// Its index.ts must not touch the system when imported (no addon loading, no /proc, no sockets): do that in
// create() (checks only) or start().
import { replayReceiverFactory } from '../receivers/replay/index.js';
import { printTracesExporterFactory } from '../exporters/print_traces/index.js';
import { prometheusExporterFactory } from '../exporters/prometheus/index.js';
import { otlpExporterFactory } from '../exporters/otlp/index.js';
import { routesProcessorFactory } from '../processors/routes/index.js';
import { filterProcessorFactory } from '../processors/filter/index.js';
import { samplingProcessorFactory } from '../processors/sampling/index.js';
import { attributesProcessorFactory } from '../processors/attributes/index.js';
import { redactionProcessorFactory } from '../processors/redaction/index.js';
import { cardinalityGuardProcessorFactory } from '../processors/cardinality_guard/index.js';
import { networkFlowReceiverFactory } from '../receivers/network_flow/index.js';
import { printFlowsExporterFactory } from '../exporters/print_flows/index.js';
import { kernelSocketReceiverFactory } from '../receivers/kernel_socket/index.js';
import { tlsUprobeFactory } from '../receivers/tls_uprobe/index.js';
import { traceJoinProcessorFactory } from '../processors/trace_join/index.js';
import { serviceGraphProcessorFactory } from '../processors/service_graph/index.js';

export const BUILTIN_FACTORIES: readonly AnyFactory[] = [
  replayReceiverFactory,
  printTracesExporterFactory,
  prometheusExporterFactory,
  otlpExporterFactory,
  routesProcessorFactory,
  filterProcessorFactory,
  samplingProcessorFactory,
  attributesProcessorFactory,
  redactionProcessorFactory,
  cardinalityGuardProcessorFactory,
  networkFlowReceiverFactory,
  printFlowsExporterFactory,
  kernelSocketReceiverFactory,
  tlsUprobeFactory,
  traceJoinProcessorFactory,
  serviceGraphProcessorFactory,
];

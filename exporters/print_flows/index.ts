import type { ComponentContext, Exporter, ExporterFactory } from '../../src/component/index.js';
import { defaultPrintFlowsConfig, printFlowsSchema, type PrintFlowsConfig } from './config.js';
import { flowJsonLine, flowLine } from './format.js';
import { stdoutSink, type LineSink } from '../common/stdout-sink.js';

export type { PrintFlowsConfig } from './config.js';
export type { LineSink } from '../common/stdout-sink.js';

/** Prints every flow of a flows pipeline, one line each (debugging aid, like Beyla's print_flows). */
export const printFlowsExporterFactory: ExporterFactory<PrintFlowsConfig> = {
  type: 'print_flows',
  kind: 'exporter',
  signals: ['flows'],
  schema: printFlowsSchema,
  defaultConfig: defaultPrintFlowsConfig,
  create: (config, ctx) => createPrintFlows(config, ctx, stdoutSink(ctx.logger)),
};

export function createPrintFlows(config: PrintFlowsConfig, ctx: ComponentContext, sink: LineSink): Exporter {
  const printed = ctx.telemetry.counter('lumen_print_flows_printed_items_total', 'Flows printed.');
  const dropped = ctx.telemetry.counter('lumen_print_flows_dropped_items_total', 'Flows not printed (output closed or not keeping up).');
  const line = config.format === 'json' ? flowJsonLine : flowLine;
  let open = true;
  return {
    async start() {},
    consume(batch) {
      if (batch.kind !== 'flows' || batch.items.length === 0) return;
      if (!open) return dropped.add(batch.items.length);
      let text = '';
      for (const f of batch.items) text += `${line(f)}\n`;
      if (sink(text)) printed.add(batch.items.length);
      else dropped.add(batch.items.length);
    },
    async forceFlush() {},
    async shutdown() {
      open = false;
    },
  };
}

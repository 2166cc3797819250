import type { ComponentContext, Exporter, ExporterFactory } from '../../src/pipeline/component.js';
import { defaultPrintFlowsConfig, printFlowsSchema, type PrintFlowsConfig } from './config.js';
import { flowJsonLine, flowLine } from './format.js';

export type { PrintFlowsConfig } from './config.js';

/** Where lines go: stdout in the agent; tests pass their own. Returns false when the destination is gone. */
export type LineSink = (text: string) => boolean;

/** Output buffered in the stream beyond this is a stuck reader: further batches are dropped and counted. */
const MAX_PENDING_BYTES = 8 * 1024 * 1024;

/** Prints every flow of a flows pipeline, one line each (debugging aid, like Beyla's print_flows). */
export const printFlowsExporterFactory: ExporterFactory<PrintFlowsConfig> = {
  type: 'print_flows',
  kind: 'exporter',
  signals: ['flows'],
  schema: printFlowsSchema,
  defaultConfig: defaultPrintFlowsConfig,
  create: (config, ctx) => createPrintFlows(config, ctx, stdoutSink(ctx)),
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

let stdoutClosed = false;
let stdoutHooked = false;

/** stdout, minding EPIPE (`lumen run | head`) and a reader that does not keep up (bounded, drops counted). */
function stdoutSink(ctx: ComponentContext): LineSink {
  return (text) => {
    if (!stdoutHooked) {
      stdoutHooked = true;
      process.stdout.on('error', (err: NodeJS.ErrnoException) => {
        stdoutClosed = true;
        if (err.code !== 'EPIPE') ctx.logger.warn('cannot write to standard output', { err: err.message });
      });
    }
    if (stdoutClosed || process.stdout.writableLength > MAX_PENDING_BYTES) return false;
    process.stdout.write(text);
    return true;
  };
}

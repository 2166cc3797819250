import type { Batch } from '../../src/model/batch.js';
import { flowToJson } from '../../src/model/flow-json.js';
import { spanToJsonLine } from '../../src/model/span-json.js';
import type { ComponentContext, Exporter, ExporterFactory } from '../../src/pipeline/component.js';
import { defaultPrintTracesConfig, printTracesSchema, type PrintTracesConfig } from './config.js';
import { flowText, spanText } from './text.js';

/** Where lines go: stdout in the agent; tests pass their own. Returns false when the destination is gone. */
export type LineSink = (text: string) => boolean;

/** Prints every span (traces pipelines) or flow (flows pipelines) on stdout, one line each. */
export const printTracesExporterFactory: ExporterFactory<PrintTracesConfig> = {
  type: 'print_traces',
  kind: 'exporter',
  signals: ['traces', 'flows'],
  schema: printTracesSchema,
  defaultConfig: defaultPrintTracesConfig,
  create: (config, ctx) => createPrintTraces(config, ctx, stdoutSink(ctx)),
};

export function createPrintTraces(config: PrintTracesConfig, ctx: ComponentContext, sink: LineSink): Exporter {
  const printed = ctx.telemetry.counter('lumen_print_traces_printed_items_total', 'Spans and flows printed.');
  const dropped = ctx.telemetry.counter('lumen_print_traces_dropped_items_total', 'Spans and flows not printed because the output was closed.');
  const json = config.format === 'json';
  let open = true;
  return {
    async start() {},
    consume(batch: Batch) {
      if (!open) return dropped.add(batch.items.length);
      const text = render(batch, json);
      if (text === '') return;
      if (sink(text)) printed.add(batch.items.length);
      else {
        open = false;
        dropped.add(batch.items.length);
        ctx.logger.warn('standard output is closed; print_traces stops printing');
      }
    },
    async forceFlush() {},
    async shutdown() {
      open = false;
    },
  };
}

/** The lines of a batch, each ending in "\n" ('' for kinds this exporter does not print). */
export function render(batch: Batch, json: boolean): string {
  let out = '';
  if (batch.kind === 'spans') for (const s of batch.items) out += `${json ? spanToJsonLine(s) : spanText(s)}\n`;
  else if (batch.kind === 'flows') for (const f of batch.items) out += `${json ? JSON.stringify(flowToJson(f)) : flowText(f)}\n`;
  return out;
}

let stdoutClosed = false;
let stdoutHooked = false;

/** Writes to stdout; after EPIPE (reader gone, e.g. `lumen run | head`) reports the sink closed instead of crashing. */
function stdoutSink(ctx: ComponentContext): LineSink {
  return (text) => {
    if (!stdoutHooked) {
      stdoutHooked = true;
      process.stdout.on('error', (err: NodeJS.ErrnoException) => {
        stdoutClosed = true;
        if (err.code !== 'EPIPE') ctx.logger.warn('cannot write to standard output', { err: err.message });
      });
    }
    if (stdoutClosed) return false;
    process.stdout.write(text);
    return !stdoutClosed;
  };
}

import type { Batch } from '../../src/model/batch.js';
import { flowToJson } from '../../src/model/flow-json.js';
import { spanToJsonLine } from '../../src/model/span-json.js';
import type { ComponentContext, Exporter, ExporterFactory } from '../../src/component/index.js';
import { defaultPrintTracesConfig, printTracesSchema, type PrintTracesConfig } from './config.js';
import { flowText } from './text.js';
import { LineWriter, spanLinesUtf8 } from './text-bytes.js';
import { stdoutClosed, stdoutSink, type ByteLineSink, type LineSink } from '../common/stdout-sink.js';

export type { ByteLineSink, LineSink } from '../common/stdout-sink.js';

/** Prints every span (traces pipelines) or flow (flows pipelines) on stdout, one line each. */
export const printTracesExporterFactory: ExporterFactory<PrintTracesConfig> = {
  type: 'print_traces',
  kind: 'exporter',
  signals: ['traces', 'flows'],
  schema: printTracesSchema,
  defaultConfig: defaultPrintTracesConfig,
  create: (config, ctx) => createPrintTraces(config, ctx, stdoutSink(ctx.logger)),
};

/** A line buffer grown past this by a huge batch is not kept for the next one. */
const MAX_KEPT_BYTES = 1 << 20;

/** `isClosed` tells a closed destination (stop printing) from a full one (drop this batch, go on). */
export function createPrintTraces(config: PrintTracesConfig, ctx: ComponentContext, sink: LineSink, isClosed: () => boolean = stdoutClosed): Exporter {
  const printed = ctx.telemetry.counter('lumen_print_traces_printed_items_total', 'Spans and flows printed.');
  const dropped = ctx.telemetry.counter('lumen_print_traces_dropped_items_total', 'Spans and flows not printed (output closed or not keeping up).');
  const json = config.format === 'json';
  // Text lines of spans go to a byte-taking sink already encoded (the same bytes the string would give).
  const byteSink = !json && 'bytes' in sink ? (sink as ByteLineSink) : undefined;
  let open = true;
  // One line buffer for every batch while the sink writes it out at once (no new buffer per batch, less for the GC).
  let lines: LineWriter | undefined;
  return {
    async start() {},
    consume(batch: Batch) {
      if (!open) return dropped.add(batch.items.length);
      let written: boolean;
      if (byteSink && batch.kind === 'spans') {
        if (batch.items.length === 0) return;
        lines ??= new LineWriter(batch.items.length * 256);
        written = byteSink.bytes(spanLinesUtf8(batch.items, lines));
        if (!byteSink.drained?.() || lines.buf.length > MAX_KEPT_BYTES) lines = undefined;
      } else {
        const text = render(batch, json);
        if (text === '') return;
        written = sink(text);
      }
      if (written) return printed.add(batch.items.length);
      dropped.add(batch.items.length);
      if (isClosed()) {
        open = false;
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
  if (batch.kind === 'spans' && !json) return batch.items.length ? spanLinesUtf8(batch.items).toString('utf8') : '';
  let out = '';
  if (batch.kind === 'spans') for (const s of batch.items) out += `${spanToJsonLine(s)}\n`;
  else if (batch.kind === 'flows') for (const f of batch.items) out += `${json ? JSON.stringify(flowToJson(f)) : flowText(f)}\n`;
  return out;
}

/**
 * The production set-up of the head-sampling tests as a real `lumen run`: RED metrics of every request beside
 * sampled traces on one kernel_socket receiver,
 *   metrics: kernel_socket → routes → prometheus
 *   traces:  kernel_socket → sampling → otlp (http/protobuf)
 * and the wait for what it delivers to settle.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SamplerName } from '../../processors/sampling/config.js';
import { spawnLumen, type CliRun } from './cli-process.js';
import type { OtlpCollector, ReceivedSpan } from './otlp-collector.js';
import { pipelinesYaml } from './pipelines-yaml.js';
import { scrapeLines } from './prometheus-text.js';

export interface SampledPipelines {
  /** Open ports whose processes are instrumented. */
  ports: readonly number[];
  sampler: SamplerName;
  ratio: number;
  otlpHttp: number;
  prom: number;
  /** More kernel_socket settings, as YAML flow-mapping entries ("context_propagation: headers"). */
  kernelSocket?: string;
}

export function sampledPipelinesYaml(o: SampledPipelines): string {
  return pipelinesYaml({
    instrument: `open_ports: "${o.ports.join(',')}"`,
    receivers: { kernel_socket: o.kernelSocket ?? '' },
    processors: { routes: '', sampling: `sampler: ${o.sampler}, ratio: ${o.ratio}` },
    otlpHttp: o.otlpHttp, prom: o.prom,
    pipelines: {
      metrics: 'receivers: [kernel_socket], processors: [routes], exporters: [prometheus]',
      traces: 'receivers: [kernel_socket], processors: [sampling], exporters: [otlp]',
    },
  });
}

/** Writes the configuration to `dir` and runs it; resolves once the agent says it started. */
export async function startSampledPipelines(dir: string, o: SampledPipelines): Promise<CliRun> {
  const file = join(dir, `${o.sampler}.yaml`);
  writeFileSync(file, sampledPipelinesYaml(o));
  const lumen = spawnLumen(['run', '-c', file]);
  await lumen.waitFor((r) => r.stderr.includes('lumen started'), 60_000);
  return lumen;
}

/**
 * Scrapes and decodes until `counted(lines)` says every request is in the metrics and the spans `mine` keeps have
 * not changed for two polls (or 20 s passed), then scrapes once more after the kernel's next read, so that
 * nothing late changes the counts.
 */
export async function settledDelivery(prom: number, collector: OtlpCollector, mine: (s: ReceivedSpan) => boolean,
  counted: (lines: string[]) => boolean): Promise<{ lines: string[]; spans: ReceivedSpan[] }> {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  let lines: string[] = [], spans: ReceivedSpan[] = [], last = -1, stable = 0;
  const deadline = Date.now() + 20_000;
  for (;;) {
    await sleep(400);
    lines = await scrapeLines(prom);
    await collector.decoded();
    spans = collector.spans().filter(mine);
    stable = spans.length === last ? stable + 1 : 0;
    if ((counted(lines) && stable >= 2) || Date.now() > deadline) break;
    last = spans.length;
  }
  await sleep(1200);
  return { lines: await scrapeLines(prom), spans };
}

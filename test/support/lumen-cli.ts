// The `lumen` CLI run from sources (node --import tsx test/support/lumen-cli.ts ARGS), as bin/lumen.js runs it
// from dist/. It adds one test component, the way a program shipping its own `lumen` would: a `slow` exporter
// whose shutdown takes `shutdown_delay` and which reports on stderr what it received.
import type { ExporterFactory } from '../../src/component/contract.js';
import { main } from '../../distribution/cli/main.js';

const slowExporterFactory: ExporterFactory<{ shutdown_delay: number }> = {
  type: 'slow',
  kind: 'exporter',
  signals: ['traces', 'metrics'],
  schema: { type: 'object', additionalProperties: false, properties: { shutdown_delay: { type: 'integer', minimum: 0, default: 0 } } },
  defaultConfig: () => ({ shutdown_delay: 0 }),
  create(config) {
    let items = 0;
    return {
      async start() {},
      consume(batch) {
        items += batch.items.length;
      },
      async forceFlush() {},
      async shutdown() {
        await new Promise((r) => setTimeout(r, config.shutdown_delay));
        process.stderr.write(`slow exporter: shut down after receiving ${items} items\n`);
      },
    };
  },
};

process.exitCode = await main(process.argv, undefined, { components: [slowExporterFactory] });

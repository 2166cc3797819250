import type { ProcessorContext, Signal } from '../../src/component/contract.js';
import type { Discovery } from '../../src/discovery/types.js';
import { InternalMetrics } from '../../src/telemetry/internal-metrics.js';
import { createMemoryLogger, type LogEntry } from '../../src/telemetry/memory-logger.js';
import { processorContext, componentContext } from '../../src/component/context.js';

export interface TestContextOptions {
  /** Pipeline signal for processors (default 'traces'). */
  signal?: Signal;
  /** Pipeline name label for processors (default = signal). */
  pipeline?: string;
  /** The discovery ctx.discovery() returns; without it ctx.discovery() throws. */
  discovery?: Discovery;
  /** A registry to share between several contexts. */
  metrics?: InternalMetrics;
  hostName?: string;
}

export type TestContext = ProcessorContext & {
  /** The real internal-metrics registry behind ctx.telemetry: `ctx.metrics.value('lumen_x_total')`. */
  readonly metrics: InternalMetrics;
  /** Everything logged through ctx.logger (quiet: nothing is printed). */
  readonly logs: LogEntry[];
};

/**
 * A ComponentContext / ProcessorContext for unit tests: a real InternalMetrics registry, an in-memory logger,
 * and a discovery() that throws "no discovery in this context" unless one is passed.
 */
export function testContext(id = 'test', options: TestContextOptions = {}): TestContext {
  const metrics = options.metrics ?? new InternalMetrics();
  const { logger, entries } = createMemoryLogger();
  const discovery = (): Discovery => {
    if (!options.discovery) throw new Error('no discovery in this context (pass testContext(id, { discovery }))');
    return options.discovery;
  };
  const deps = { logger, metrics, hostName: options.hostName ?? 'test-host', discovery };
  const signal = options.signal ?? 'traces';
  const base = id.length > 0 && options.pipeline === undefined && options.signal === undefined
    ? { ...componentContext(id, deps), signal }
    : processorContext(id, options.pipeline ?? signal, signal, deps);
  return Object.freeze({ ...base, metrics, logs: entries });
}

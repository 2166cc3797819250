/**
 * service.cpu_priority: the agent's threads yield the CPU to the services it watches while it keeps up, and take
 * their normal priority back as soon as a ring-buffer batch waits for JS longer than `raise_after` (so nothing is
 * lost under saturation). The mechanism is native (native/cpu_priority.cc, driven by the ring poll threads); this
 * module configures it, logs what it does, and publishes it as lumen_cpu_priority_* internal metrics.
 */
import { loadAddon } from '../bpf/native.js';
import { parseDuration } from '../config/duration.js';
import type { CpuPriorityConfig } from '../config/schema.js';
import type { InternalMetrics } from '../telemetry/internal-metrics.js';
import type { Logger } from '../telemetry/logger.js';

export const CPU_PRIORITY_METRICS = {
  low: ['lumen_cpu_priority_low', '1 while the agent\'s threads run at the low priority of service.cpu_priority, else 0.'],
  seconds: ['lumen_cpu_priority_seconds_total', 'Time the agent\'s threads spent at each priority (priority="low"|"normal"), in seconds.'],
  changes: ['lumen_cpu_priority_changes_total', 'Priority changes: direction="raise" (a batch waited for JS longer than raise_after) or "lower".'],
  failures: ['lumen_cpu_priority_failures_total', 'Threads whose priority the kernel refused to change.'],
} as const;

/** Starts the adaptive priority when configured; returns the function that puts every thread back (at stop). */
export function startCpuPriority(config: CpuPriorityConfig, logger: Logger, metrics: InternalMetrics): () => void {
  if (config.mode === 'normal') {
    logger.info('cpu priority: normal (service.cpu_priority.mode)');
    return () => {};
  }
  const addon = loadAddon();
  const idle = config.low === 'idle';
  const lowText = idle ? 'SCHED_IDLE' : `nice ${config.low}`;
  const why = addon.cpuPriorityStart({
    idle, lowNice: idle ? 19 : config.low, raiseAfterMs: parseDuration(config.raise_after), lowerAfterMs: parseDuration(config.lower_after),
  });
  if (why) {
    logger.warn(`cpu priority: adaptive is off, ${why}`);
    return () => {};
  }
  logger.info(`cpu priority: adaptive, ${lowText} while the agent keeps up, normal after a batch waits ${config.raise_after} for JS, low again after ${config.lower_after} without`);
  const M = CPU_PRIORITY_METRICS;
  const stats = () => addon.cpuPriorityStats();
  metrics.gauge(M.low[0], M.low[1], () => (stats().low ? 1 : 0));
  metrics.observedCounter(M.seconds[0], M.seconds[1], () => stats().lowSeconds, { priority: 'low' });
  metrics.observedCounter(M.seconds[0], M.seconds[1], () => stats().normalSeconds, { priority: 'normal' });
  metrics.observedCounter(M.changes[0], M.changes[1], () => stats().raises, { direction: 'raise' });
  metrics.observedCounter(M.changes[0], M.changes[1], () => stats().lowerings, { direction: 'lower' });
  metrics.observedCounter(M.failures[0], M.failures[1], () => stats().failures);
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    addon.cpuPriorityStop();
    const s = stats();
    const failed = s.failures ? `, ${s.failures} refused (last: ${s.lastError})` : '';
    logger.info(`cpu priority: back to normal; ${s.lowSeconds.toFixed(1)} s low, ${s.normalSeconds.toFixed(1)} s normal, ${s.raises} raises${failed}`);
  };
}

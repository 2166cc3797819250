/**
 * Lumen's own process, as lumen_process_* internal metrics: CPU time, resident and V8 memory, GC pauses.
 * An agent that promises to cost its host almost nothing should show what it costs, next to its other metrics,
 * without an extra exporter. Embedded as a library, these describe the embedding process (the one Lumen runs in).
 */
import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import type { InternalMetrics } from './internal-metrics.js';

export const PROCESS_METRICS = {
  cpu: ['lumen_process_cpu_seconds_total', 'CPU time used by the Lumen process (user + system), in seconds.'],
  rss: ['lumen_process_resident_memory_bytes', 'Resident memory of the Lumen process, in bytes.'],
  heapUsed: ['lumen_process_heap_used_bytes', 'V8 heap in use, in bytes.'],
  heapTotal: ['lumen_process_heap_total_bytes', 'V8 heap reserved, in bytes.'],
  external: ['lumen_process_external_memory_bytes', 'Memory outside the V8 heap held by JS objects (Buffers, native batches), in bytes.'],
  gc: ['lumen_process_gc_seconds_total', 'Time spent in garbage collection pauses, in seconds.'],
  gcRuns: ['lumen_process_gc_runs_total', 'Garbage collections.'],
} as const;

/**
 * Registers the process metrics on `metrics`. CPU and memory are read when collected; GC pauses are summed as
 * they happen from a PerformanceObserver, which the returned function disconnects (call it at stop).
 */
export function registerProcessMetrics(metrics: InternalMetrics): () => void {
  const M = PROCESS_METRICS;
  metrics.observedCounter(M.cpu[0], M.cpu[1], () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  });
  metrics.gauge(M.rss[0], M.rss[1], () => process.memoryUsage.rss());
  metrics.gauge(M.heapUsed[0], M.heapUsed[1], () => process.memoryUsage().heapUsed);
  metrics.gauge(M.heapTotal[0], M.heapTotal[1], () => process.memoryUsage().heapTotal);
  metrics.gauge(M.external[0], M.external[1], () => process.memoryUsage().external);

  let gcMs = 0;
  let gcRuns = 0;
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries() as PerformanceEntry[]) {
      gcMs += e.duration;
      gcRuns++;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  metrics.observedCounter(M.gc[0], M.gc[1], () => gcMs / 1000);
  metrics.observedCounter(M.gcRuns[0], M.gcRuns[1], () => gcRuns);
  return () => observer.disconnect();
}

/**
 * The shutdown budget: the engine's stop must end within service.shutdown_timeout, so exporters get an absolute
 * deadline (epoch ms) for their final flush and give up on what they cannot deliver by then.
 */

/** What is kept back from the timeout for the steps after the exporters (discovery, the process exiting). */
export function exporterDeadline(startMs: number, shutdownTimeoutMs: number): number {
  return startMs + shutdownTimeoutMs - Math.min(2000, shutdownTimeoutMs / 4);
}

import type { Logger } from './logger.js';

/** Wraps a logger so that the same key logs at most once per interval; the next line says how many were suppressed. */
export function rateLimitedLog(logger: Logger, intervalMs: number, now: () => number = Date.now) {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (level: 'warn' | 'error' | 'info', key: string, msg: string, fields?: Record<string, unknown>): void => {
    const t = now();
    const state = last.get(key);
    if (state && t - state.at < intervalMs) {
      state.suppressed++;
      return;
    }
    const suppressed = state?.suppressed ?? 0;
    last.set(key, { at: t, suppressed: 0 });
    logger[level](msg, suppressed ? { ...fields, suppressed } : fields);
  };
}

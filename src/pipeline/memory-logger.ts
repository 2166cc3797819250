import type { Logger } from './logger.js';

export interface LogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly msg: string;
  /** Bindings of the child loggers merged with the call's fields. */
  readonly fields: Readonly<Record<string, unknown>>;
}

/** A logger that discards everything. */
export const noopLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return noopLogger;
  },
};

/** A logger that records entries in memory (tests assert on warnings and errors with it). */
export function createMemoryLogger(): { logger: Logger; entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const make = (bindings: Record<string, unknown>): Logger => {
    const log = (level: LogEntry['level']) => (msg: string, fields?: Record<string, unknown>) => {
      entries.push({ level, msg, fields: { ...bindings, ...fields } });
    };
    return {
      debug: log('debug'),
      info: log('info'),
      warn: log('warn'),
      error: log('error'),
      child: (b) => make({ ...bindings, ...b }),
    };
  };
  return { logger: make({}), entries };
}

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

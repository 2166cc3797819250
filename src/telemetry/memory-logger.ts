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

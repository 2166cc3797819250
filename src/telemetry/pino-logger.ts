import { writeSync } from 'node:fs';
import { pino, type Logger as Pino, type DestinationStream } from 'pino';
import type { Logger } from './logger.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFormat = 'text' | 'json';
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];
export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];

export interface LoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  /** Where lines go; default stderr (fd 2, synchronous so nothing is lost at exit). Never stdout. */
  write?: (line: string) => void;
}

/** The agent's logger: pino, writing to stderr as JSON lines or as human-readable text. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const write = options.write ?? ((line: string) => writeStderr(line));
  const format = options.format ?? 'text';
  const dest: DestinationStream = { write: format === 'json' ? write : (s: string) => write(formatText(s)) };
  const p = pino({ level: options.level ?? 'info', base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, dest);
  return wrap(p);
}

function writeStderr(line: string): void {
  try {
    writeSync(2, line);
  } catch {
    // stderr closed or EAGAIN on a non-blocking pipe: a log line is not worth crashing the agent.
  }
}

function wrap(p: Pino): Logger {
  return {
    debug: (msg, fields) => (fields ? p.debug(fields, msg) : p.debug(msg)),
    info: (msg, fields) => (fields ? p.info(fields, msg) : p.info(msg)),
    warn: (msg, fields) => (fields ? p.warn(fields, msg) : p.warn(msg)),
    error: (msg, fields) => (fields ? p.error(fields, msg) : p.error(msg)),
    child: (bindings) => wrap(p.child(bindings)),
  };
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** `2026-01-02T03:04:05.678Z INFO  [component] message key=value …` from one pino JSON line. */
export function formatText(jsonLine: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(jsonLine) as Record<string, unknown>;
  } catch {
    return jsonLine;
  }
  const { level, time, msg, component, err, ...rest } = rec;
  const parts = [String(time ?? ''), (LEVEL_NAMES[level as number] ?? String(level)).padEnd(5)];
  if (component !== undefined) parts.push(`[${String(component)}]`);
  parts.push(String(msg ?? ''));
  for (const [k, v] of Object.entries(rest)) parts.push(`${k}=${fieldText(v)}`);
  if (err && typeof err === 'object') {
    const e = err as { message?: string; stack?: string };
    parts.push(`err=${JSON.stringify(e.message ?? '')}`);
  }
  return `${parts.join(' ')}\n`;
}

function fieldText(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v;
  return JSON.stringify(v);
}

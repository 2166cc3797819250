/**
 * Go-style durations as the Collector and Beyla write them: "5s", "250ms", "1m30s", "1.5h", "100us".
 * Units: ns, us (or µs), ms, s, m, h. A bare "0" is allowed. The result is in milliseconds (may be fractional).
 */
import { LumenError } from '../errors/lumen-error.js';

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000,
};

const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

export const DURATION_HINT = 'a duration like "5s", "250ms", "1m30s" (units ns, us, ms, s, m, h)';

/** The longest duration any option takes: what setTimeout can wait (2^31-1 ms, about 24.8 days). */
export const MAX_DURATION_MS = 2 ** 31 - 1;

/** Why a well-formed duration is out of an option's range, or undefined when it is in range. */
export function durationRangeProblem(ms: number, positive: boolean): string | undefined {
  if (ms < 0 || (positive && ms === 0)) return positive ? 'must be greater than 0' : 'must not be negative';
  if (ms > MAX_DURATION_MS) return `must be at most ${formatDuration(MAX_DURATION_MS)} (2^31-1 ms, what a timer can wait)`;
  return undefined;
}

export class DurationError extends LumenError {
  override readonly name = 'DurationError';
  constructor(message: string) {
    super('LUMEN_INVALID_DURATION', message);
  }
}

/** Parses a Go-style duration into milliseconds; throws DurationError with what is allowed. */
export function parseDuration(text: string): number {
  const ms = tryParseDuration(text);
  if (ms === undefined) throw new DurationError(`invalid duration ${JSON.stringify(text)}: must be ${DURATION_HINT}`);
  return ms;
}

/** Like parseDuration but returns undefined instead of throwing (used by the ajv `duration` format). */
export function tryParseDuration(text: string): number | undefined {
  if (typeof text !== 'string') return undefined;
  let s = text.trim();
  if (s === '0') return 0;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '') return undefined;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < s.length) {
    const m = PART.exec(s);
    if (!m) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
  }
  return sign * total;
}

/** Formats milliseconds back to a compact Go-style duration ("1m30s", "250ms"), for messages and docs. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1) return `${Math.round(ms * 1000)}us`;
  if (ms < 1000) return `${+ms.toFixed(3)}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = +((ms % 60_000) / 1000).toFixed(3);
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
}

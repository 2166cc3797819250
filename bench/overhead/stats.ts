import { readFileSync } from 'node:fs';

/** Helpers the overhead benchmarks share: medians over rounds, the load average (the machine may be shared). */
export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const i = s.length >> 1;
  return s.length % 2 ? s[i]! : (s[i - 1]! + s[i]!) / 2;
};

export const loadAverage = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** Progress on stderr (stdout holds the table). */
export function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

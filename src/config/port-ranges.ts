/**
 * Port lists as Beyla's `open_ports` writes them: "80,443,8000-8999". A single number is a one-port range.
 * Ports are 1..65535; a range's start must not exceed its end.
 */
import { LumenError } from '../errors/lumen-error.js';

export interface PortRange {
  readonly from: number;
  readonly to: number;
}

export const PORT_RANGES_HINT = 'port ranges like "80,443,8000-8999" (ports 1-65535)';

export class PortRangesError extends LumenError {
  override readonly name = 'PortRangesError';
  constructor(message: string) {
    super('LUMEN_INVALID_PORT_RANGES', message);
  }
}

/** Parses "80,443,8000-8999" (or a number) into ranges; throws PortRangesError saying what is wrong. */
export function parsePortRanges(text: string | number): PortRange[] {
  const source = typeof text === 'number' ? String(text) : text;
  if (typeof source !== 'string' || source.trim() === '') {
    throw new PortRangesError(`invalid port ranges ${JSON.stringify(text)}: must be ${PORT_RANGES_HINT}`);
  }
  return source.split(',').map((part) => parsePart(part.trim(), source));
}

/** Returns the error message for an invalid value, or undefined when valid (used by the ajv format). */
export function portRangesError(text: string | number): string | undefined {
  try {
    parsePortRanges(text);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

export function portInRanges(port: number, ranges: readonly PortRange[]): boolean {
  for (const r of ranges) if (port >= r.from && port <= r.to) return true;
  return false;
}

function parsePart(part: string, whole: string): PortRange {
  const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(part);
  if (!m) {
    throw new PortRangesError(`invalid port ranges ${JSON.stringify(whole)}: ${JSON.stringify(part)} is not a port or a range; must be ${PORT_RANGES_HINT}`);
  }
  const from = port(m[1]!, whole);
  const to = m[2] === undefined ? from : port(m[2], whole);
  if (from > to) throw new PortRangesError(`invalid port ranges ${JSON.stringify(whole)}: range ${part} starts after it ends`);
  return { from, to };
}

function port(digits: string, whole: string): number {
  const n = Number(digits);
  if (n < 1 || n > 65535) throw new PortRangesError(`invalid port ranges ${JSON.stringify(whole)}: port ${digits} is outside 1-65535`);
  return n;
}

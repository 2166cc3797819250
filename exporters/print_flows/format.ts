import type { Flow } from '../../src/model/flow.js';
import { flowToJson } from '../../src/model/flow-json.js';

/** "2026-11-23T20:00:00.123Z": the flow's start, millisecond precision. */
function isoTime(ns: bigint): string {
  return new Date(Number(ns / 1_000_000n)).toISOString();
}

/** Duration of the window in seconds with millisecond precision ("1.234s"). */
function window(f: Flow): string {
  const ms = Number((f.endUnixNano - f.startUnixNano) / 1_000_000n);
  return `${(ms / 1000).toFixed(3)}s`;
}

const endpoint = (addr: string, port: number) => (addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`);

/**
 * One line per flow:
 * `<start> <window> <iface> <direction> <transport> <src>:<port> -> <dst>:<port> bytes=<n> packets=<n> [key=value ...]`
 * followed by the decorations (src.name, dst.cidr, src.process.pid, ...) and the services, sorted by key.
 */
export function flowLine(f: Flow): string {
  let line = `${isoTime(f.startUnixNano)} ${window(f)} ${f.interface} ${f.direction} ${f.transport} ` +
    `${endpoint(f.srcAddress, f.srcPort)} -> ${endpoint(f.dstAddress, f.dstPort)} bytes=${f.bytes} packets=${f.packets}`;
  const extra: Array<[string, string]> = Object.entries(f.attributes);
  if (f.srcService) extra.push(['src.service.name', f.srcService.name]);
  if (f.dstService) extra.push(['dst.service.name', f.dstService.name]);
  extra.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (const [k, v] of extra) line += ` ${k}=${/[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v}`;
  return line;
}

export function flowJsonLine(f: Flow): string {
  return JSON.stringify(flowToJson(f));
}

/**
 * Requests with traceparents a test chose, for the head-sampling tests: what was sent, how it is sent (keep-alive
 * GET, or HTTP/1.0 without Host, which the kernel aggregation leaves to a ring record), and the sampling
 * processor's own decision for it — the rule the kernel's decisions are checked against.
 */
import http from 'node:http';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { createSampler } from '../../processors/sampling/index.js';
import type { SamplerName } from '../../processors/sampling/config.js';
import { sampleHttpSpan, sampleService } from './sample-spans.js';

/** A request sent: its path, and the trace id and flags of its traceparent (none: a root). */
export interface Sent { path: string; traceId?: string; flags?: number }

export const randomTraceId = (): string => randomBytes(16).toString('hex');

/** The request's traceparent header value (a new parent span id each time). */
export const traceparentOf = (r: Sent): string => `00-${r.traceId}-${randomBytes(8).toString('hex')}-0${r.flags}`;

/** `perKind` requests each with a chosen trace id and flags 01, with flags 00, and without traceparent, interleaved;
 *  paths `/<run>/items/<i>`. */
export function chosenRequests(run: string, perKind: number): Sent[] {
  const sent: Sent[] = [];
  for (let i = 0; i < perKind; i++) {
    sent.push({ path: `/${run}/items/${3 * i}`, traceId: randomTraceId(), flags: 1 });
    sent.push({ path: `/${run}/items/${3 * i + 1}`, traceId: randomTraceId(), flags: 0 });
    sent.push({ path: `/${run}/items/${3 * i + 2}` });
  }
  return sent;
}

/** `n` HTTP/1.0 requests without Host, `/<run>/old/<i>`, each with a chosen trace id, flags alternating 00/01. */
export const hostlessRequests = (run: string, n: number): Sent[] =>
  Array.from({ length: n }, (_, i) => ({ path: `/${run}/old/${i}`, traceId: randomTraceId(), flags: i % 2 }));

/** GET on a keep-alive agent; resolves on a 200 answer. */
export function getSent(agent: http.Agent, port: number, r: Sent): Promise<void> {
  const headers: Record<string, string> = r.traceId ? { traceparent: traceparentOf(r) } : {};
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: r.path, agent, headers }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
    }).on('error', reject);
  });
}

/** HTTP/1.0 without Host on a connection of its own: the kernel aggregation leaves it to a ring record ("unfit"). */
export function getSentWithoutHost(port: number, r: Sent): Promise<void> {
  const tp = r.traceId ? `traceparent: ${traceparentOf(r)}\r\n` : '';
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(`GET ${r.path} HTTP/1.0\r\n${tp}\r\n`));
    s.on('data', () => {});
    s.on('end', () => { s.destroy(); resolve(); });
    s.on('error', reject);
  });
}

/** The sampling processor's decision for a request with this trace id: with `flags`, a span with a remote parent
 *  and those flags; without, a root. */
export function processorKeeps(sampler: SamplerName, ratio: number, traceId: string, flags?: number): boolean {
  const s = sampleHttpSpan(sampleService('x', 1));
  s.trace = { traceId, spanId: '00f067aa0ba902b7', parentSpanId: flags === undefined ? '' : 'b7ad6b7169203331', flags: flags ?? 0 };
  return createSampler(sampler, ratio)(s);
}

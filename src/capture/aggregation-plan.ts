import type { ConsumerPipeline } from '../component/index.js';
import { METRICS } from '../model/metrics.js';

/** Whether the kernel aggregates this receiver's HTTP/1 requests, and how; or why not. */
export type AggregationPlan =
  | { readonly on: true; readonly collapseIds: boolean; readonly bounds: AggregationBounds }
  | { readonly on: false; readonly reason: string };

/** The exporters' histogram bounds the kernel buckets by (the same for server and client metrics). */
export interface AggregationBounds {
  readonly duration: readonly number[];
  readonly requestBodySize: readonly number[];
  readonly responseBodySize: readonly number[];
}

/** Labels an aggregate span carries exactly as the exact path's spans would (what the kernel's series key holds). */
const KEY_ATTRIBUTES = new Set(['service.name', 'service.namespace', 'http.request.method', 'http.response.status_code', 'http.route',
  'url.scheme', 'network.protocol.version', 'server.address', 'server.port']);

/** Bounds per histogram the kernel holds (KS_AGG_BUCKETS in bpf/include/ks_agg.h). */
export const MAX_KERNEL_BOUNDS = 16;

const HTTP = [
  [METRICS.httpServerDuration, METRICS.httpClientDuration],
  [METRICS.httpServerRequestSize, METRICS.httpClientRequestSize],
  [METRICS.httpServerResponseSize, METRICS.httpClientResponseSize],
] as const;

/**
 * Decides from the pipelines that consume the receiver. `auto` aggregates in the kernel when every consumer is a
 * metrics pipeline whose work it can reproduce exactly:
 *  - processors: only `routes` (its route is a function of the path; the kernel template never merges paths it
 *    tells apart, see collapseIds). filter, attributes, sampling, service_graph and the rest see per-request
 *    values or change the labels: the exact path stays;
 *  - exporters: only metrics exporters rendered by the metrics stage's aggregator, with the default labels of the
 *    semconv naming (legacy names add url.path: exact path) and the same histogram bounds everywhere.
 * Traces pipelines need every span: any one of them keeps the exact path — unless kernel head sampling takes them
 * (kernel-plan.ts decides the two together).
 */
export function planAggregation(mode: 'auto' | 'off', consumers: readonly ConsumerPipeline[] | undefined): AggregationPlan {
  if (mode === 'off') return { on: false, reason: 'kernel_aggregation: off' };
  if (!consumers?.length) return { on: false, reason: 'no pipeline information' };
  let collapseIds = true;
  let bounds: number[][] | undefined;
  for (const p of consumers) {
    if (p.signal !== 'metrics') return { on: false, reason: `pipeline ${p.name} (${p.signal}) needs every span` };
    for (const proc of p.processors ?? []) {
      if (proc.type !== 'routes') return { on: false, reason: `pipeline ${p.name}: processor ${proc.id} is not one the kernel aggregation reproduces (only routes)` };
      if (!idsCollapsible(proc.config)) collapseIds = false;
    }
    for (const e of p.exporters ?? []) {
      const agg = e.aggregator;
      if (!agg) return { on: false, reason: `pipeline ${p.name}: exporter ${e.id} reads spans itself` };
      for (const group of HTTP) {
        for (const def of group) {
          const extra = agg.defaultAttributesOf(def).find((a) => !KEY_ATTRIBUTES.has(a));
          if (extra) return { on: false, reason: `exporter ${e.id}: ${def.name} is labelled by ${extra}, which the kernel does not key by` };
        }
      }
      const these = HTTP.map(([server, client]) => {
        const b = agg.boundsOf(server);
        return sameList(b, agg.boundsOf(client)) ? [...b] : undefined;
      });
      if (these.some((b) => b === undefined || b.length > MAX_KERNEL_BOUNDS)) {
        return { on: false, reason: `exporter ${e.id}: server and client histograms bucketed differently, or more than ${MAX_KERNEL_BOUNDS} bounds` };
      }
      if (bounds && !these.every((b, i) => sameList(b!, bounds![i]!))) return { on: false, reason: `exporters bucket the HTTP histograms differently` };
      bounds ??= these as number[][];
    }
  }
  if (!bounds) return { on: false, reason: 'no metrics exporter' };
  return { on: true, collapseIds, bounds: { duration: bounds[0]!, requestBodySize: bounds[1]!, responseBodySize: bounds[2]! } };
}

/**
 * May the kernel's template collapse all-digit path segments (/users/123 and /users/456 → one template)? Only
 * when the routes processor gives them the same route anyway: its heuristic (also under low-cardinality) turns
 * every all-digit segment into the wildcard, and a declared pattern tells two such paths apart only by a literal
 * all-digit segment. `unmatched: path` keeps every path: no collapsing (each path its own template, up to the
 * budget; the rest falls back to ring records).
 */
export function idsCollapsible(config: unknown): boolean {
  const c = config as { unmatched?: string; patterns?: string[]; ignored_patterns?: string[] } | undefined;
  if (c?.unmatched === 'path') return false;
  const literalDigits = (pattern: string) => pattern.split('/').some((seg) => /^[0-9]+$/.test(seg));
  return ![...(c?.patterns ?? []), ...(c?.ignored_patterns ?? [])].some(literalDigits);
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

import type { Service } from '../model/service.js';
import type { Span } from '../model/span.js';
import { http1Span } from '../protocols/http1/index.js';
import type { KernelAggregate } from './kernel-aggregates.js';
import type { AggregationBounds } from './aggregation-plan.js';
import { KS_ROLE_CLIENT } from './record.js';


/**
 * The span standing for a kernel series' new requests: the exact path's own parser reads the template's sample
 * head (method, path, version, Host), the series gives status, kind and server.port; `aggregate` carries the
 * count and histograms; the scheme is the receiver's (https for tls_uprobe). Downstream, the routes processor names its route from the sample's path as it would any
 * span's, and the metrics stage records the histograms instead of one observation. Undefined: the sample is not a
 * request head the parser takes (the exact path would not have made spans of it either).
 */
export function aggregateSpan(a: KernelAggregate, service: Service, bounds: AggregationBounds, scheme: 'http' | 'https', nowUnixNano: bigint): Span | undefined {
  const client = a.role === KS_ROLE_CLIENT;
  const span = http1Span({
    kind: client ? 'client' : 'server',
    scheme,
    request: a.sample,
    response: EMPTY,
    requestBytes: -1,
    responseBytes: -1,
    status: a.status,
    startUnixNano: nowUnixNano,
    endUnixNano: nowUnixNano,
    connection: { peerAddress: '', peerPort: client ? a.port : 0, hostAddress: '', hostPort: client ? 0 : a.port },
    service,
  });
  if (typeof span === 'string') return undefined;
  const [d, req, resp] = a.hist;
  span.aggregate = {
    count: a.count,
    duration: { sum: d!.sum / 1e9, counts: d!.counts.subarray(0, bounds.duration.length + 1), bounds: bounds.duration },
    requestBodySize: { sum: req!.sum, counts: req!.counts.subarray(0, bounds.requestBodySize.length + 1), bounds: bounds.requestBodySize },
    responseBodySize: { sum: resp!.sum, counts: resp!.counts.subarray(0, bounds.responseBodySize.length + 1), bounds: bounds.responseBodySize },
  };
  return span;
}

const EMPTY = Buffer.alloc(0);

import type { Measurement } from '../../src/model/measurement.js';
import { spanDurationSeconds, spanIsError, type Span } from '../../src/model/span.js';
import type { Pending, TraceJoiner } from '../../src/tracing/index.js';

const REQUESTS = 'traces_service_graph_request_total';
const FAILED = 'traces_service_graph_request_failed_total';
const SERVER_SECONDS = 'traces_service_graph_request_server_seconds';
const CLIENT_SECONDS = 'traces_service_graph_request_client_seconds';

export interface EdgeCounts {
  /** server spans whose caller is a span on this host */
  paired: number;
  /** edges to or from a virtual node (a root server span; a call to an unobserved server) */
  virtual: number;
  /** server spans with a parent from elsewhere (a traceparent) and no client span here: no edge */
  unpaired: number;
}

/** The server end of a call to a process Lumen does not see: the Host header, else the peer address. */
function serverName(client: Span): string {
  const host = client.http?.host;
  if (host) return host.replace(/:\d+$/, '');
  return client.connection.peerAddress;
}

/**
 * One request per edge for each span that left the joiner: a server span with its caller (client and server
 * durations), a root server span from `virtualClient`, a client span whose server is not observed to it.
 */
export function edgeMeasurements(joiner: TraceJoiner, left: readonly Pending[], virtualClient: string, counts: EdgeCounts, out: Measurement[]): void {
  for (const p of left) {
    const s = p.span;
    if (s.kind === 'server') {
      const caller = joiner.parentOf(p);
      if (caller && p.link === 'connection') {
        counts.paired++;
        push(out, caller.span.service.name, s.service.name, undefined, spanDurationSeconds(caller.span), spanDurationSeconds(s), spanIsError(s) || spanIsError(caller.span), s.endUnixNano);
      } else if (p.link === 'external') {
        counts.unpaired++;
      } else {
        counts.virtual++;
        push(out, virtualClient, s.service.name, 'virtual_node', undefined, spanDurationSeconds(s), spanIsError(s), s.endUnixNano);
      }
    } else if (s.kind === 'client' && !p.reached) {
      counts.virtual++;
      push(out, s.service.name, serverName(s), 'virtual_node', spanDurationSeconds(s), undefined, spanIsError(s), s.endUnixNano);
    }
  }
}

function push(out: Measurement[], client: string, server: string, type: string | undefined, clientS: number | undefined, serverS: number | undefined, failed: boolean, t: bigint): void {
  const attributes: Record<string, string> = type ? { client, server, connection_type: type } : { client, server };
  out.push({ metric: REQUESTS, value: 1, attributes, timeUnixNano: t });
  if (failed) out.push({ metric: FAILED, value: 1, attributes, timeUnixNano: t });
  if (serverS !== undefined) out.push({ metric: SERVER_SECONDS, value: serverS, attributes, timeUnixNano: t });
  if (clientS !== undefined) out.push({ metric: CLIENT_SECONDS, value: clientS, attributes, timeUnixNano: t });
}

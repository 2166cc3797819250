import type { AttributeValue, Span } from '../model/span.js';

/**
 * Fast, allocation-free equivalents of `spanAttributes(span)[name]` for the attributes metrics are keyed by.
 * spanAttributes() builds a dozen-entry object per span; at several hundred thousand spans/s the metrics path
 * reads just the few attributes it needs. span-values.test.ts checks these agree with spanAttributes() for
 * every attribute it produces.
 */
export type SpanAttributeGetter = (span: Span) => AttributeValue | undefined;

/** Host header → its address: a server's spans carry a few Host values, so no slice per span (bounded: cleared when full). */
const hostAddresses = new Map<string, string>();

function stripPort(host: string): string {
  let address = hostAddresses.get(host);
  if (address === undefined) {
    if (hostAddresses.size >= 1024) hostAddresses.clear();
    hostAddresses.set(host, (address = hostAddress(host)));
  }
  return address;
}

function hostAddress(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'));
  const i = host.lastIndexOf(':');
  return i > 0 && host.indexOf(':') === i ? host.slice(0, i) : host;
}

const GETTERS: Readonly<Record<string, SpanAttributeGetter>> = {
  'http.request.method': (s) => s.http?.method,
  'http.response.status_code': (s) => s.http?.status,
  'url.path': (s) => s.http?.path,
  'url.scheme': (s) => s.http?.scheme,
  'url.query': (s) => (s.http?.query ? s.http.query : undefined),
  'http.route': (s) => (s.http?.route ? s.http.route : undefined),
  'http.request.body.size': (s) => s.http?.requestBodySize,
  'http.response.body.size': (s) => s.http?.responseBodySize,
  'network.protocol.version': (s) => (s.http?.protocolVersion ? s.http.protocolVersion : undefined),
  'url.full': (s) => {
    const h = s.http;
    if (!h || s.kind !== 'client') return undefined;
    return `${h.scheme}://${h.host || s.connection.peerAddress}${h.path}${h.query ? `?${h.query}` : ''}`;
  },
  'server.address': (s) => {
    const host = s.http?.host;
    if (host) return stripPort(host);
    return s.kind === 'server' ? s.connection.hostAddress : s.connection.peerAddress;
  },
  'server.port': (s) => (s.kind === 'server' ? s.connection.hostPort : s.connection.peerPort),
  'client.address': (s) => (s.kind === 'server' ? s.connection.peerAddress : undefined),
  'client.port': (s) => (s.kind === 'server' ? s.connection.peerPort : undefined),
};

/** The attribute names metrics can pick from a span, besides the span's own `attributes` keys. */
export const SPAN_METRIC_ATTRIBUTES: readonly string[] = ['service.name', 'service.namespace', ...Object.keys(GETTERS)];

const serviceName: SpanAttributeGetter = (s) => s.service.name;
const serviceNamespace: SpanAttributeGetter = (s) => s.service.namespace;
const getterCache = new Map<string, SpanAttributeGetter>();

/** `(span) => spanAttributeValue(span, name)` with the name resolved once (the metrics hot path calls it per span). */
export function spanAttributeGetter(name: string): SpanAttributeGetter {
  let g = getterCache.get(name);
  if (g !== undefined) return g;
  if (name === 'service.name') g = serviceName;
  else if (name === 'service.namespace') g = serviceNamespace;
  else {
    const typed: SpanAttributeGetter | undefined = GETTERS[name];
    g = typed
      ? (s) => {
        const own = s.attributes[name];
        return own !== undefined ? own : typed(s);
      }
      : (s) => s.attributes[name];
  }
  if (getterCache.size < 10_000) getterCache.set(name, g);
  return g;
}

/**
 * The getter of `name` for a span whose `attributes` has no keys: spanAttributeGetter(name) without the look-up
 * in `attributes` (a keyed load with a varying name per attribute, megamorphic) — the same value for such spans.
 * Names read only from `attributes`, and the service's, are spanAttributeGetter's.
 */
export function spanTypedGetter(name: string): SpanAttributeGetter {
  return GETTERS[name] ?? spanAttributeGetter(name);
}

/** `spanAttributes(span)[name]`, without building the whole object. */
export function spanAttributeValue(span: Span, name: string): AttributeValue | undefined {
  if (name === 'service.name') return span.service.name;
  if (name === 'service.namespace') return span.service.namespace;
  const own = span.attributes[name];
  if (own !== undefined) return own;
  const get = GETTERS[name];
  return get ? get(span) : undefined;
}

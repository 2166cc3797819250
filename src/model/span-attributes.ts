import type { AttributeValue, Attributes, Span } from './span.js';
import type { Service } from './service.js';

/**
 * The OTel semantic-convention attributes of a span (traces and the pool metric attributes are
 * picked from). Typed fields come first; span.attributes may add to or override them.
 */
export function spanAttributes(span: Span): Attributes {
  const out: Attributes = {};
  visitTypedAttributes(span, out, setAttribute);
  for (const k in span.attributes) setAttribute(out, k, span.attributes[k]!);
  out['service.name'] = span.service.name;
  out['service.namespace'] = span.service.namespace;
  return out;
}

function setAttribute(out: Attributes, key: string, value: AttributeValue): void {
  // An attribute named "__proto__" (a key any config or captured name may hold) is a plain attribute: assigning it
  // would call Object.prototype's setter instead — drop it, or with an object value, swap the prototype.
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

/**
 * Every key visitTypedAttributes() may produce, and the service keys spanAttributes() adds: a span.attributes key
 * among them changes a value in place (or is overwritten), so a writer that streams typed attributes and then
 * span.attributes (exporters/otlp) is exact only when none of span.attributes' keys is here.
 */
export const TYPED_ATTRIBUTE_KEYS: ReadonlySet<string> = new Set([
  'http.request.method', 'http.response.status_code', 'url.path', 'url.scheme', 'url.query', 'http.route', 'http.request.body.size',
  'http.response.body.size', 'network.protocol.version', 'url.full', 'server.address', 'server.port', 'client.address', 'client.port',
  'service.name', 'service.namespace',
]);

/**
 * The attributes of the span's typed fields, in spanAttributes() order, each passed to `visit(ctx, key, value)`.
 * exporters/otlp/typed-attributes.ts copies the encoded attributes of an HTTP span with the same fields as the last
 * one: a new input here must be added to its Memo.matches too.
 */
export function visitTypedAttributes<C>(span: Span, ctx: C, visit: (ctx: C, key: string, value: AttributeValue) => void): void {
  const c = span.connection;
  const h = span.http;
  if (h) {
    visit(ctx, 'http.request.method', h.method);
    visit(ctx, 'http.response.status_code', h.status);
    visit(ctx, 'url.path', h.path);
    visit(ctx, 'url.scheme', h.scheme);
    if (h.query) visit(ctx, 'url.query', h.query);
    if (h.route) visit(ctx, 'http.route', h.route);
    visit(ctx, 'http.request.body.size', h.requestBodySize);
    visit(ctx, 'http.response.body.size', h.responseBodySize);
    if (h.protocolVersion) visit(ctx, 'network.protocol.version', h.protocolVersion);
    if (span.kind === 'client') {
      const host = h.host || c.peerAddress;
      visit(ctx, 'url.full', `${h.scheme}://${host}${h.path}${h.query ? `?${h.query}` : ''}`);
    }
  }
  if (span.kind === 'server') {
    visit(ctx, 'server.address', h?.host ? stripPort(h.host) : c.hostAddress);
    visit(ctx, 'server.port', c.hostPort);
    visit(ctx, 'client.address', c.peerAddress);
    visit(ctx, 'client.port', c.peerPort);
  } else {
    visit(ctx, 'server.address', h?.host ? stripPort(h.host) : c.peerAddress);
    visit(ctx, 'server.port', c.peerPort);
  }
}

/** OTel resource attributes for the service's process (one Resource per observed service). */
export function serviceResourceAttributes(service: Service, hostName: string, sdkVersion: string): Record<string, string | number> {
  const out: Record<string, string | number> = {
    ...service.attributes,
    'service.name': service.name,
    'service.instance.id': service.instanceId,
    'telemetry.sdk.language': service.process.language,
    'telemetry.sdk.name': 'opentelemetry',
    'telemetry.sdk.version': sdkVersion,
    'telemetry.distro.name': 'lumen',
    'host.name': hostName,
    'process.pid': service.process.pid,
  };
  if (service.namespace) out['service.namespace'] = service.namespace;
  if (service.process.exe) out['process.executable.path'] = service.process.exe;
  if (service.process.cmdline) out['process.command_line'] = service.process.cmdline;
  if (service.process.containerId) out['container.id'] = service.process.containerId;
  return out;
}

function stripPort(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'));
  const i = host.lastIndexOf(':');
  return i > 0 && host.indexOf(':') === i ? host.slice(0, i) : host;
}

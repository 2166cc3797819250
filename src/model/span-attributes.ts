import type { Attributes, Span } from './span.js';
import type { Service } from './service.js';

/**
 * The OTel semantic-convention attributes of a span (traces and the pool metric attributes are
 * picked from). Typed fields come first; span.attributes may add to or override them.
 */
export function spanAttributes(span: Span): Attributes {
  const out: Attributes = {};
  const c = span.connection;
  const h = span.http;
  if (h) {
    out['http.request.method'] = h.method;
    out['http.response.status_code'] = h.status;
    out['url.path'] = h.path;
    out['url.scheme'] = h.scheme;
    if (h.query) out['url.query'] = h.query;
    if (h.route) out['http.route'] = h.route;
    out['http.request.body.size'] = h.requestBodySize;
    out['http.response.body.size'] = h.responseBodySize;
    if (h.protocolVersion) out['network.protocol.version'] = h.protocolVersion;
    if (span.kind === 'client') {
      const host = h.host || c.peerAddress;
      out['url.full'] = `${h.scheme}://${host}${h.path}${h.query ? `?${h.query}` : ''}`;
    }
  }
  if (span.kind === 'server') {
    out['server.address'] = h?.host ? stripPort(h.host) : c.hostAddress;
    out['server.port'] = c.hostPort;
    out['client.address'] = c.peerAddress;
    out['client.port'] = c.peerPort;
  } else {
    out['server.address'] = h?.host ? stripPort(h.host) : c.peerAddress;
    out['server.port'] = c.peerPort;
  }
  for (const k in span.attributes) out[k] = span.attributes[k]!;
  out['service.name'] = span.service.name;
  out['service.namespace'] = span.service.namespace;
  return out;
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

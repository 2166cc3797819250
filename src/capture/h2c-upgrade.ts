import type { Span } from '../model/span.js';
import { BoundedMap } from '../protocols/wire/index.js';
import { asksForH2c } from '../protocols/http2/index.js';
import type { CaptureProtocol } from './protocol.js';
import { recordToSpan } from './spans.js';
import { connectionKey } from './wire.js';

/** Upgrade requests whose HTTP/2 answer is still to come, per connection (few: one per upgrading connection). */
export type H2cUpgrades = BoundedMap<string, Span>;

export function h2cUpgrades(): H2cUpgrades {
  return new BoundedMap<string, Span>(1024);
}

/**
 * An HTTP/1.1 exchange answered 101 (bpf/include/ks_http2.h: the kernel then follows the connection as HTTP/2).
 * When the request asked for h2c, its span is held until the HTTP/2 side (src/capture/http2.ts) has the
 * response of stream 1 — one span for the request, answered over HTTP/2; any other 101 (WebSocket…) stays
 * an HTTP/1 span. Placed before http1Protocol: it takes only status-101 records.
 */
export function h2cUpgradeProtocol(scheme: 'http' | 'https', held: H2cUpgrades): CaptureProtocol {
  return {
    name: 'h2c-upgrade',
    detect: (r) => r.proto === 0 && r.status === 101,
    toSpan: () => 'use toSpans',
    toSpans(r, service, clock, out) {
      const span = recordToSpan(r, service, clock, scheme);
      if (typeof span === 'string') return span;
      if (asksForH2c(r.request)) held.set(connectionKey(r), span);
      else out.push(span);
      return undefined;
    },
  };
}

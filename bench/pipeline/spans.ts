import { writeFileSync } from 'node:fs';
import { spanToJsonLine } from '../../src/model/span-json.js';
import type { Span } from '../../src/model/span.js';
import { sampleHttpSpan, sampleService } from '../../test/support/sample-spans.js';

/**
 * A deterministic JSON Lines file of realistic HTTP spans for the pipeline benchmark: 8 services, paths with ids
 * (the routes heuristic turns them into routes), server and client spans, a few errors, durations 1 ms – 2 s.
 */
export function writeSpanFile(path: string, count: number): void {
  const services = Array.from({ length: 8 }, (_, i) => sampleService(`svc-${i}`, 1000 + i, i % 2 ? 'shop' : 'bank'));
  const paths = ['/users/{id}', '/users/{id}/orders', '/orders/{id}', '/products/{id}/reviews', '/api/v1/items/{id}', '/health', '/login', '/cart/{id}/checkout'];
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const svc = services[i % services.length]!;
    const path = paths[Math.floor(rnd() * paths.length)]!.replace('{id}', String(Math.floor(rnd() * 100_000)));
    const span: Span = sampleHttpSpan(svc, {
      seq: i + 1, kind: rnd() < 0.7 ? 'server' : 'client', method: rnd() < 0.8 ? 'GET' : 'POST', path, route: '',
      status: rnd() < 0.02 ? 500 : rnd() < 0.05 ? 404 : 200, duration: 0.001 + rnd() ** 3 * 2,
      responseBodySize: Math.floor(rnd() * 10_000), requestBodySize: Math.floor(rnd() * 2000),
      startUnixNano: 1_763_900_000_000_000_000n + BigInt(i) * 100_000n,
    });
    lines.push(spanToJsonLine(span));
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { http1Span, parseRequestHead, parseResponseHead, parseTraceparent, redactQuery, type Http1Exchange } from './index.js';
import type { Service } from '../../model/service.js';

const enc = (s: string) => Buffer.from(s, 'latin1');

const service: Service = {
  name: 'svc', namespace: '', instanceId: 'h:1', attributes: {},
  process: { pid: 1, exe: '/bin/x', cmdline: 'x', language: 'unknown' },
};

function exchange(over: Partial<Http1Exchange>): Http1Exchange {
  return {
    kind: 'server', scheme: 'http', request: enc('GET / HTTP/1.1\r\n\r\n'), response: enc('HTTP/1.1 200 OK\r\n\r\n'),
    requestBytes: -1, responseBytes: -1, startUnixNano: 1000n, endUnixNano: 2000n,
    connection: { peerAddress: '127.0.0.1', peerPort: 5000, hostAddress: '127.0.0.1', hostPort: 80 }, service, ...over,
  };
}

test('request head: curl GET with query, headers of interest, head length', () => {
  const raw = 'GET /api/users?id=7&x=1 HTTP/1.1\r\nHost: 127.0.0.1:19600\r\nUser-Agent: curl/7.88.1\r\n' +
    'traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\nAccept: */*\r\n\r\n';
  const h = parseRequestHead(enc(raw));
  assert.ok(typeof h !== 'string');
  assert.equal(h.method, 'GET');
  assert.equal(h.path, '/api/users');
  assert.equal(h.query, 'id=7&x=1');
  assert.equal(h.version, '1.1');
  assert.equal(h.host, '127.0.0.1:19600');
  assert.equal(h.traceparent, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
  assert.equal(h.headLength, raw.length);
  assert.equal(h.truncated, false);
});

test('request head: POST with Content-Length, chunked, absolute form, fragments, CONNECT, bare LF', () => {
  const p = parseRequestHead(enc('POST /upload HTTP/1.0\nContent-Length: 12\ncontent-length : 3\n\nbody'));
  assert.equal(p, 'bad_header'); // a space before the colon is not allowed (RFC 9112 §5.1)
  const q = parseRequestHead(enc('POST /upload HTTP/1.0\nContent-Length:  12 \n\nbody'));
  assert.ok(typeof q !== 'string');
  assert.equal(q.contentLength, 12);
  assert.equal(q.headLength, 'POST /upload HTTP/1.0\nContent-Length:  12 \n\n'.length);
  const c = parseRequestHead(enc('PUT /x HTTP/1.1\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n'));
  assert.ok(typeof c !== 'string' && c.chunked);
  const a = parseRequestHead(enc('GET http://example.com:8080/a/b?c=d#frag HTTP/1.1\r\n\r\n'));
  assert.ok(typeof a !== 'string');
  assert.deepEqual([a.path, a.query], ['/a/b', 'c=d']);
  const a2 = parseRequestHead(enc('GET http://example.com?x=1 HTTP/1.1\r\n\r\n'));
  assert.ok(typeof a2 !== 'string');
  assert.deepEqual([a2.path, a2.query], ['/', 'x=1']);
  const k = parseRequestHead(enc('CONNECT example.com:443 HTTP/1.1\r\n\r\n'));
  assert.ok(typeof k !== 'string' && k.path === 'example.com:443');
});

test('request head: a capture cut anywhere still gives method and (partial) path', () => {
  const raw = 'GET /very/long/path/that/gets/cut?q=1 HTTP/1.1\r\nHost: h\r\n\r\n';
  for (let n = 5; n < raw.length; n++) {
    const h = parseRequestHead(enc(raw.slice(0, n)));
    assert.ok(typeof h !== 'string', `cut at ${n}: ${String(h)}`);
    assert.equal(h.method, 'GET');
    assert.ok(raw.startsWith(`GET ${h.path}`), `cut at ${n}: path ${h.path}`);
    if (n < raw.length - 2) assert.equal(h.headLength, 0);
  }
  assert.equal(parseRequestHead(enc('GET')), 'not_http');
  assert.equal(parseRequestHead(enc('GET ')), 'not_http');
});

test('request head: rejects garbage, TLS records, HTTP/2 preface, bad versions', () => {
  assert.equal(parseRequestHead(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00])), 'not_http');
  assert.equal(parseRequestHead(enc('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')), 'bad_request_line');
  assert.equal(parseRequestHead(enc('GET / HTTP/3.0\r\n\r\n')), 'bad_request_line');
  assert.equal(parseRequestHead(enc('GET /a\x01b HTTP/1.1\r\n\r\n')), 'bad_request_line');
  assert.equal(parseRequestHead(enc('GET / HTTP/1.1\r\nno colon here\r\n\r\n')), 'bad_header');
  assert.equal(parseRequestHead(enc('')), 'not_http');
});

test('response head: status, reason cut, content-length, chunked', () => {
  const r = parseResponseHead(enc('HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nContent-Type: text/plain\r\n\r\nnot found'));
  assert.ok(typeof r !== 'string');
  assert.deepEqual([r.status, r.contentLength, r.headLength, r.version], [404, 9, 71, '1.1']);
  const cut = parseResponseHead(enc('HTTP/1.0 200'));
  assert.ok(typeof cut !== 'string' && cut.status === 200 && cut.truncated);
  assert.equal(parseResponseHead(enc('HTTP/1.1 20')), 'not_http');
  assert.equal(parseResponseHead(enc('HTTP/1.1 999 x\r\n')), 'bad_status_line');
  assert.equal(parseResponseHead(enc('HTTP/1.1 2000\r\n')), 'bad_status_line');
  const ch = parseResponseHead(enc('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'));
  assert.ok(typeof ch !== 'string' && ch.chunked && ch.contentLength === -1);
});

test('traceparent: valid, invalid and future versions', () => {
  assert.deepEqual(parseTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'),
    { traceId: '0af7651916cd43dd8448eb211c80319c', parentId: 'b7ad6b7169203331', flags: 1 });
  assert.equal(parseTraceparent('00-00000000000000000000000000000000-b7ad6b7169203331-01'), undefined);
  assert.equal(parseTraceparent('00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01'), undefined);
  assert.equal(parseTraceparent('00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01'), undefined);
  assert.equal(parseTraceparent('ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'), undefined);
  assert.equal(parseTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra'), undefined);
  assert.ok(parseTraceparent('01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00-extra'));
});

test('redactQuery: secret values replaced, names and order kept', () => {
  assert.equal(redactQuery('a=1&token=abc&b=2&api_key=k&X-Amz-Signature=s'), 'a=1&token=REDACTED&b=2&api_key=REDACTED&X-Amz-Signature=REDACTED');
  assert.equal(redactQuery('q=hello&page=2'), 'q=hello&page=2');
  assert.equal(redactQuery('password=&flag'), 'password=&flag');
});

test('http1Span: server span with sizes, continuing the trace from traceparent', () => {
  const req = 'POST /orders?token=s3cret&n=1 HTTP/1.1\r\nHost: shop:8080\r\nContent-Length: 5\r\n' +
    'traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n\r\nhello';
  const resp = 'HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok';
  const s = http1Span(exchange({ request: enc(req), response: enc(resp), requestBytes: req.length, responseBytes: resp.length }));
  assert.ok(typeof s !== 'string');
  assert.equal(s.kind, 'server');
  assert.equal(s.http?.method, 'POST');
  assert.equal(s.http?.path, '/orders');
  assert.equal(s.http?.query, 'token=REDACTED&n=1');
  assert.equal(s.http?.status, 201);
  assert.equal(s.http?.requestBodySize, 5);
  assert.equal(s.http?.responseBodySize, 2);
  assert.equal(s.http?.host, 'shop:8080');
  assert.equal(s.trace.traceId, '0af7651916cd43dd8448eb211c80319c');
  assert.equal(s.trace.parentSpanId, 'b7ad6b7169203331');
  assert.match(s.trace.spanId, /^[0-9a-f]{16}$/);
  assert.notEqual(s.trace.spanId, 'b7ad6b7169203331');
});

test('http1Span: new root ids, HEAD has no body, interim 100 skipped, no response = status 0', () => {
  const head = http1Span(exchange({ request: enc('HEAD /f HTTP/1.1\r\n\r\n'), response: enc('HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n'), responseBytes: 38 }));
  assert.ok(typeof head !== 'string');
  assert.equal(head.http?.responseBodySize, 0);
  assert.match(head.trace.traceId, /^[0-9a-f]{32}$/);
  assert.equal(head.trace.parentSpanId, '');
  const interim = http1Span(exchange({ response: enc('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n') }));
  assert.ok(typeof interim !== 'string' && interim.http?.status === 204);
  const none = http1Span(exchange({ response: new Uint8Array(0), status: 0 }));
  assert.ok(typeof none !== 'string' && none.http?.status === 0 && none.http.responseBodySize === 0);
  assert.equal(http1Span(exchange({ request: enc('\x16\x03\x01garbage') })), 'not_http');
});

test('property: the parsers never throw and never accept non-HTTP starts', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
    const r = parseRequestHead(bytes);
    const s = parseResponseHead(bytes);
    if (typeof r !== 'string') assert.ok(r.method.length > 0 && r.path.length > 0);
    if (typeof s !== 'string') assert.ok(s.status >= 100 && s.status <= 599);
  }), { numRuns: 3000 });
});

test('property: any prefix of a valid request (past the method) parses to the same method', () => {
  const methods = ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH'];
  fc.assert(fc.property(fc.constantFrom(...methods), fc.webPath(), fc.nat(200), (m, p, cut) => {
    const path = p === '' ? '/' : p;
    const raw = enc(`${m} ${path} HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n`);
    const n = Math.min(raw.length, m.length + 2 + cut);
    const h = parseRequestHead(raw.subarray(0, n));
    assert.ok(typeof h !== 'string', `${raw.subarray(0, n).toString()}`);
    assert.equal(h.method, m);
  }), { numRuns: 500 });
});

test('StringCache: always the string of the bytes (hits, slot collisions, long values, utf8 and latin1)', async () => {
  const { StringCache } = await import('./strings.js');
  for (const enc of ['utf8', 'latin1'] as const) {
    const cache = new StringCache(enc, 4, 16);
    const values = ['/a', '/b', '/a', '/small.txt', '/small.txu', '', '/ü/x', '/\xff\xfe', 'x'.repeat(16), 'y'.repeat(17), '/a', '/small.txt'];
    for (let round = 0; round < 3; round++) {
      for (const v of values) {
        const b = Buffer.concat([Buffer.from('junk'), Buffer.from(v, enc === 'utf8' ? 'utf8' : 'latin1'), Buffer.from('tail')]);
        const e = b.length - 4;
        assert.equal(cache.get(b, 4, e), b.toString(enc, 4, e), `${enc} ${v}`);
        assert.equal(cache.getHashed(b, 4, e, 7), b.toString(enc, 4, e), `${enc} ${v} (one slot for all)`);
      }
    }
  }
});

test('http1Span: a request read in place from a larger buffer equals the request on its own; ids are fresh hex', () => {
  const req = 'GET /in/place?q=1 HTTP/1.1\r\nHost: h:1\r\nContent-Length: 4\r\n\r\nbody';
  const big = Buffer.concat([Buffer.from('xxxxxxx'), Buffer.from(req), Buffer.from('GET /other HTTP/1.1\r\n\r\n')]);
  const base = {
    kind: 'server' as const, scheme: 'http' as const, response: Buffer.alloc(0), requestBytes: req.length, responseBytes: 0,
    status: 0, startUnixNano: 1n, endUnixNano: 2n, connection: { peerAddress: 'a', peerPort: 1, hostAddress: 'b', hostPort: 2 },
    service,
  };
  const alone = http1Span({ ...base, request: Buffer.from(req) });
  const inPlace = http1Span({ ...base, request: big, requestStart: 7, requestEnd: 7 + req.length });
  assert.ok(typeof alone !== 'string' && typeof inPlace !== 'string');
  assert.deepEqual({ ...inPlace, trace: { ...inPlace.trace, traceId: '', spanId: '' } }, { ...alone, trace: { ...alone.trace, traceId: '', spanId: '' } });
  const ids = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const s = http1Span({ ...base, request: Buffer.from(req) });
    assert.ok(typeof s !== 'string');
    assert.match(s.trace.traceId, /^[0-9a-f]{32}$/);
    assert.match(s.trace.spanId, /^[0-9a-f]{16}$/);
    ids.add(s.trace.traceId);
  }
  assert.equal(ids.size, 2000);
});

test('requestBodySize: the declared Content-Length even when the server answered before reading the body; else the bytes seen', () => {
  const head = 'POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n';
  const resp = enc('HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n\r\n');
  // the server read the head only, then answered: 0 body bytes seen, 100000 declared
  const early = http1Span(exchange({ request: enc(head), response: resp, requestBytes: head.length, requestHeadLength: head.length }));
  assert.ok(typeof early !== 'string');
  assert.equal(early.http?.requestBodySize, 100000);
  // the capture cut before the Content-Length header: the probe's own scan of it counts
  const cut = http1Span(exchange({ request: enc('POST /upload HTTP/1.1\r\nHost: x\r\n'), response: resp, requestBytes: head.length + 10,
    requestHeadLength: head.length, requestContentLength: 100000 }));
  assert.ok(typeof cut !== 'string');
  assert.equal(cut.http?.requestBodySize, 100000);
  // chunked (no Content-Length): what was seen after the head
  const chunked = 'POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n';
  const ch = http1Span(exchange({ request: enc(chunked), response: resp, requestBytes: chunked.length + 17, requestHeadLength: chunked.length,
    requestContentLength: -1 }));
  assert.ok(typeof ch !== 'string');
  assert.equal(ch.http?.requestBodySize, 17);
});

test('credentials never survive parsing: Host userinfo, CONNECT userinfo, secret query values (issue #11.5)', () => {
  const h = parseRequestHead(enc('GET /p HTTP/1.1\r\nHost: user:pw@shop.example:8080\r\n\r\n'));
  assert.ok(typeof h !== 'string');
  assert.equal(h.host, 'shop.example:8080');
  const odd = parseRequestHead(enc('GET /p HTTP/1.1\r\nHost: a@b:c@shop.example\r\n\r\n'));
  assert.ok(typeof odd !== 'string');
  assert.equal(odd.host, 'shop.example', 'everything up to the last @ goes');
  const c = parseRequestHead(enc('CONNECT user:pw@proxy.example:443 HTTP/1.1\r\n\r\n'));
  assert.ok(typeof c !== 'string');
  assert.equal(c.path, 'proxy.example:443');
  const q = 'access_key=a1&oauth_token=a2&code=a3&user%5Bpassword%5D=a4&client-secret=a5&private-token=a6&aws_secret_access_key=a7&secret_key=a8&otp=a9&page=2';
  const span = http1Span(exchange({ kind: 'client', request: enc(`GET /cb?${q} HTTP/1.1\r\nHost: u:pw@api.example\r\n\r\n`) }));
  if (typeof span === 'string') throw new Error(span);
  assert.equal(span.http!.host, 'api.example');
  assert.equal(span.http!.query, 'access_key=REDACTED&oauth_token=REDACTED&code=REDACTED&user%5Bpassword%5D=REDACTED&client-secret=REDACTED&private-token=REDACTED&aws_secret_access_key=REDACTED&secret_key=REDACTED&otp=REDACTED&page=2');
  assert.equal(redactQuery('accessToken=x&q=y'), 'accessToken=REDACTED&q=y', 'camelCase names too');
});

test('property: a head refilled request after request (http1Span\'s) equals a fresh parse of each', () => {
  const header = fc.constantFrom('Host: a.example:8080', 'traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    'tracestate: k=v', 'Content-Length: 12', 'Transfer-Encoding: chunked', 'X-Other: 1');
  const request = fc.record({
    method: fc.constantFrom('GET', 'POST', 'CONNECT', 'PURGE'),
    target: fc.constantFrom('/a', '/a?b=1#f', 'http://h/p?q', '*', 'h:443'),
    version: fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0'),
    headers: fc.array(header, { maxLength: 4 }),
    cut: fc.nat(),
  }).map((r) => {
    const text = `${r.method} ${r.target} ${r.version}\r\n${r.headers.map((h) => `${h}\r\n`).join('')}\r\n`;
    return Buffer.from(text.slice(0, Math.max(4, text.length - (r.cut % 12))), 'latin1');
  });
  fc.assert(fc.property(fc.array(request, { minLength: 1, maxLength: 12 }), (requests) => {
    const into = parseRequestHead(Buffer.from('GET /x HTTP/1.1\r\nHost: old\r\n\r\n'));
    assert.ok(typeof into !== 'string');
    for (const b of requests) {
      const refilled = parseRequestHead(b, 0, b.length, into);
      const fresh = parseRequestHead(b);
      assert.deepEqual(typeof refilled === 'string' ? refilled : { ...refilled }, fresh);
    }
  }), { numRuns: 500 });
});

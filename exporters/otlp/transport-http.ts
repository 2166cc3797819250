import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { OtlpSettings } from './settings.js';
import { httpStatusRetryable, parseRetryAfter, type OtlpSignal, type SendResult, type Transport } from './transport.js';

const gzipAsync = promisify(gzip);

/** OTLP/HTTP (protobuf or JSON body) over node:http(s) with keep-alive and optional gzip (compressed off-thread). */
export function httpTransport(s: OtlpSettings): Transport {
  const json = s.protocol === 'http/json';
  const agents = {
    http: new HttpAgent({ keepAlive: true, maxSockets: 2 }),
    https: new HttpsAgent({ keepAlive: true, maxSockets: 2, ca: s.tls.ca, cert: s.tls.cert, key: s.tls.key, rejectUnauthorized: s.tls.rejectUnauthorized }),
  };
  const headers: Record<string, string> = {
    ...s.headers,
    'content-type': json ? 'application/json' : 'application/x-protobuf',
    'user-agent': 'lumen-otlp-exporter',
  };
  if (s.gzip) headers['content-encoding'] = 'gzip';
  const inFlight = new Set<ClientRequest>();
  return {
    async send(signal: OtlpSignal, body: Uint8Array): Promise<SendResult> {
      let payload: Uint8Array = body;
      if (s.gzip) payload = await gzipAsync(body);
      const url = new URL(signal === 'traces' ? s.tracesUrl : s.metricsUrl);
      const secure = url.protocol === 'https:';
      return new Promise<SendResult>((resolve) => {
        let result: SendResult | undefined;
        // Settles once the body is no longer read (Transport.send's contract; the queue reuses request buffers):
        // written out in full, or the request destroyed — a collector may answer before it read the whole body.
        const settle = () => {
          if (result !== undefined && (req.writableFinished || req.destroyed)) resolve(result);
        };
        const done = (r: SendResult) => {
          if (result !== undefined) return;
          result = r;
          settle();
        };
        const req = (secure ? httpsRequest : httpRequest)(url, {
          method: 'POST',
          agent: secure ? agents.https : agents.http,
          headers: { ...headers, 'content-length': String(payload.byteLength) },
          timeout: s.timeoutMs,
        }, (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => { if (chunks.length < 16) chunks.push(c); });
          res.on('error', (err) => done({ ok: false, retryable: true, message: err.message }));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) return done({ ok: true });
            const text = Buffer.concat(chunks).toString('utf8').slice(0, 200).replace(/[^\x20-\x7e]+/g, ' ').trim();
            done({
              ok: false, retryable: httpStatusRetryable(status), message: `HTTP ${status}${text ? `: ${text}` : ''}`,
              retryAfterMs: parseRetryAfter(res.headers['retry-after'] as string | undefined),
            });
          });
        });
        inFlight.add(req);
        req.on('finish', settle);
        req.on('close', () => {
          inFlight.delete(req);
          settle();
        });
        req.on('timeout', () => req.destroy(new Error(`no answer within ${s.timeoutMs}ms`)));
        req.on('error', (err: NodeJS.ErrnoException) => done({ ok: false, retryable: true, message: err.code ? `${err.code} ${url.host}` : err.message }));
        req.end(payload);
      });
    },
    close() {
      // A collector that accepted the connection but never answers must not hold the stop until the timeout.
      for (const req of inFlight) req.destroy(new Error('exporter stopped'));
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

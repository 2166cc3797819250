import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HostPort } from '../../src/config/typed-schema.js';
import { LumenError, type ErrorCode } from '../../src/component/index.js';

/** Raised when the scrape endpoint cannot listen; says which endpoint (its path: `endpoint`) and what to change. */
export class ListenError extends LumenError {
  override readonly name = 'ListenError';
  constructor(code: ErrorCode, message: string, cause?: unknown) {
    super(code, message, { path: ['endpoint'], cause });
  }
}

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * Writes the chunks as they come. A failure before the first chunk is a 500; after it the connection is cut,
 * so a truncated scrape never parses as a complete one.
 */
async function stream(res: ServerResponse, render: () => Iterable<string>): Promise<void> {
  let started = false;
  try {
    for (const chunk of render()) {
      if (chunk.length === 0) continue;
      if (!started) {
        res.writeHead(200, { 'content-type': CONTENT_TYPE });
        started = true;
      }
      if (res.destroyed) return;
      if (!res.write(chunk)) await drained(res);
    }
    if (!started) res.writeHead(200, { 'content-type': CONTENT_TYPE });
    res.end();
  } catch (err) {
    if (!started) res.writeHead(500, { 'content-type': 'text/plain' }).end(`render failed: ${(err as Error).message}\n`);
    else res.destroy(err as Error);
  }
}

/** Resolves when the response can take more (or is gone). */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

export interface ScrapeServer {
  readonly server: Server;
  /** The bound address (port resolved when the endpoint asked for port 0). */
  readonly address: AddressInfo;
  close(): Promise<void>;
}

/** `host:port` as written in the configuration (IPv6 hosts in brackets), for messages. */
export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Listens on `endpoint` (decoded from host:port at validation) and answers GET/HEAD `path` with the chunks `render()` yields, written one by one
 * (waiting for the socket to drain when its buffer is full), so a large scrape is never one string or one buffer.
 * Every other path is a 404.
 */
export async function listen(hostPort: HostPort, path: string, render: () => Iterable<string>): Promise<ScrapeServer> {
  const endpoint = formatHostPort(hostPort);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = (req.url ?? '/').split('?')[0];
    if (url !== path) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: metrics are served on ${path}\n`);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (req.method === 'HEAD') {
      res.writeHead(200, { 'content-type': CONTENT_TYPE }).end();
      return;
    }
    void stream(res, render);
  });
  const { host, port } = hostPort;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const what = err.code === 'EADDRINUSE' ? 'the address is already in use (another Lumen or exporter listening there?)'
        : err.code === 'EADDRNOTAVAIL' ? 'the address is not one of this host\'s addresses'
          : err.code === 'EACCES' ? 'permission denied (ports below 1024 need root)' : err.message;
      reject(new ListenError(err.code === 'EADDRINUSE' ? 'LUMEN_ENDPOINT_IN_USE' : 'LUMEN_ENDPOINT_LISTEN',
        `cannot listen on ${endpoint}: ${what}; choose a free host:port`, err));
    });
    server.listen({ host, port }, () => resolve());
  });
  server.on('error', () => {});
  return {
    server,
    address: server.address() as AddressInfo,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

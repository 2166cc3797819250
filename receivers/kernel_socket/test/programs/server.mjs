// A Node http server for the kernel_socket tests. argv: port [host]. Routes:
//   GET /hello → "hello world"   GET /sleep?ms=N → sleeps N ms   GET /status/NNN → that status
//   POST /echo → the body back   GET /chunked → chunked body   GET /hang → never answers
//   POST /reject → 413 at once, before reading the body (Node then reads and drops it, keeping the connection)
import http from 'node:http';

const port = Number(process.argv[2]);
const host = process.argv[3] ?? '127.0.0.1';
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (req.method === 'POST' && url.pathname === '/echo') {
    const parts = [];
    req.on('data', (d) => parts.push(d));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
      res.end(body);
    });
    return;
  }
  if (req.method === 'POST' && url.pathname === '/reject') {
    res.writeHead(413, { 'content-length': 8 });
    return void res.end('too big\n');
  }
  if (url.pathname === '/hello') return void res.end('hello world');
  if (url.pathname === '/sleep') return void setTimeout(() => res.end('slept'), Number(url.searchParams.get('ms') ?? 50));
  if (url.pathname.startsWith('/status/')) {
    res.statusCode = Number(url.pathname.slice(8));
    return void res.end(`status ${res.statusCode}`);
  }
  if (url.pathname === '/chunked') {
    res.write('first chunk;');
    return void setTimeout(() => res.end('second chunk'), 5);
  }
  if (url.pathname === '/hang') return; // never answers
  res.statusCode = 404;
  res.end('not found');
});
server.keepAliveTimeout = 30_000;
server.listen(port, host);

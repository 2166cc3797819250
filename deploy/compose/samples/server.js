// A small Node.js HTTP service for the compose demo: /orders/<id> answers JSON, anything else 404.
const http = require('node:http');

http.createServer((req, res) => {
  const m = /^\/orders\/(\d+)$/.exec(req.url ?? '');
  if (!m) {
    res.writeHead(404).end('not found\n');
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: Number(m[1]), status: 'shipped' }));
}).listen(8082, '0.0.0.0');

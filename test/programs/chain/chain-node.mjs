// The chain's Node service: GET /req/ID calls the Python service's /req/ID (keep-alive agent) and answers with
// its body. Usage: node chain-node.mjs PORT PYTHON_PORT MARKER
import http from 'node:http';

const [port, next] = process.argv.slice(2).map(Number);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
http.createServer((req, res) => {
  http.get({ host: '127.0.0.1', port: next, path: req.url, agent }, (up) => {
    const chunks = [];
    up.on('data', (c) => chunks.push(c));
    up.on('end', () => {
      res.writeHead(up.statusCode ?? 502, { 'content-type': 'text/plain' });
      res.end(Buffer.concat(chunks));
    });
  }).on('error', (e) => {
    res.writeHead(502);
    res.end(String(e));
  });
}).listen(port, '127.0.0.1', () => console.log(`listening ${port}`));

// The chain's Node service: GET /req/ID calls the Python service's /req/ID (keep-alive agent) and answers with
// its body. Usage: node chain-node.mjs PORT PYTHON_PORT MARKER (CHAIN_LISTEN / CHAIN_NEXT_HOST: addresses, 127.0.0.1
// by default)
// CHAIN_NODE_DEFER=immediate|timeout: the handler first yields to the loop (setImmediate, setTimeout 1 ms) and
// calls from there — async work before the call, which the loop-thread nesting cannot attribute (measured only).
import http from 'node:http';

const [port, next] = process.argv.slice(2).map(Number);
const defer = process.env.CHAIN_NODE_DEFER;
const listen = process.env.CHAIN_LISTEN || '127.0.0.1';
const nextHost = process.env.CHAIN_NEXT_HOST || '127.0.0.1';
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function call(req, res) {
  http.get({ host: nextHost, port: next, path: req.url, agent }, (up) => {
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
}

http.createServer((req, res) => {
  if (defer === 'immediate') setImmediate(call, req, res);
  else if (defer === 'timeout') setTimeout(call, 1, req, res);
  else call(req, res);
}).listen(port, listen, () => console.log(`listening ${port}`));

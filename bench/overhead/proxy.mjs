// An HTTP/1 front that calls a backend for each request (keep-alive pool of 64): the client requests context
// propagation inserts a traceparent into. Usage: node proxy.mjs PORT BACKEND_URL
import { createServer, Agent, get } from 'node:http';

const [port, backend] = [Number(process.argv[2]), process.argv[3]];
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
createServer((req, res) => {
  get(backend, { agent }, (r) => {
    const chunks = [];
    r.on('data', (c) => chunks.push(c));
    r.on('end', () => res.end(Buffer.concat(chunks)));
  }).on('error', () => { res.statusCode = 502; res.end(); });
}).listen(port, '127.0.0.1');

// A Node front for the head-sampling test: every request GET /p is answered 200 after this process calls
// GET /p on 127.0.0.1:<next> (keep-alive), where the context propagation injects its traceparent. argv: port next.
import http from 'node:http';

const [port, next] = process.argv.slice(2).map(Number);
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
http.createServer((req, res) => {
  http.get({ host: '127.0.0.1', port: next, path: req.url, agent }, (down) => {
    down.resume();
    down.on('end', () => res.end('ok'));
  }).on('error', (e) => { res.statusCode = 502; res.end(String(e)); });
}).listen(port, '127.0.0.1', () => console.log('listening'));

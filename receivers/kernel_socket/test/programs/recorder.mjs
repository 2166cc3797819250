// Prints "<path> <traceparent header or ->" for every request it answers (200). argv: port.
import http from 'node:http';

http.createServer((req, res) => {
  process.stdout.write(`${req.url} ${req.headers.traceparent ?? '-'}\n`);
  res.end('recorded');
}).listen(Number(process.argv[2]), '127.0.0.1', () => console.log('listening'));

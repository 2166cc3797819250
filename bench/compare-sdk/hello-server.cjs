// The hello server of bench/compare-sdk: Node's http module, GET /hello → "hello world" (the route the kernel_socket
// tests' server.mjs answers), CommonJS so that the OTel SDK's require hooks instrument `http` when preloaded with
// --require. argv: port.
const http = require('node:http');

const server = http.createServer((req, res) => {
  if (req.url === '/hello') return void res.end('hello world');
  res.statusCode = 404;
  res.end('not found');
});
server.keepAliveTimeout = 30_000;
server.listen(Number(process.argv[2]), '127.0.0.1');

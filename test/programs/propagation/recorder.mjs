// A raw TCP "HTTP server" that records every byte it receives: one file per connection (recv-<client port>.bin in
// DIR), and answers each request (head + Content-Length body, pipelining allowed) with a fixed 200.
// Usage: node recorder.mjs PORT HOST DIR MARKER
import { createServer } from 'node:net';
import { openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';

const [port, host, dir] = [Number(process.argv[2]), process.argv[3], process.argv[4]];
const OK = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');

createServer((sock) => {
  const fd = openSync(join(dir, `recv-${sock.remotePort}.bin`), 'w');
  let head = Buffer.alloc(0); // the header block being read
  let bodyLeft = 0;           // body bytes of the current request still to come
  sock.on('data', (chunk) => {
    writeSync(fd, chunk);
    let at = 0;
    while (at < chunk.length) {
      if (bodyLeft > 0) {
        const n = Math.min(bodyLeft, chunk.length - at);
        bodyLeft -= n;
        at += n;
        if (bodyLeft === 0) sock.write(OK);
        continue;
      }
      head = Buffer.concat([head, chunk.subarray(at)]);
      at = chunk.length;
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) break;
      const m = /\r\ncontent-length:\s*(\d+)/i.exec(head.subarray(0, end).toString('latin1'));
      const rest = head.subarray(end + 4);
      head = Buffer.alloc(0);
      bodyLeft = m ? Number(m[1]) : 0;
      if (bodyLeft === 0) sock.write(OK);
      chunk = rest; // continue with what followed the head
      at = 0;
    }
  });
  sock.on('close', () => closeSync(fd));
  sock.on('error', () => {});
}).listen(port, host, () => console.log('listening'));

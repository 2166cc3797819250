// The byte-for-byte load: CONNS keep-alive connections to HOST:PORT, REQUESTS requests in all, written as
// single requests, pipelined bursts of 4 in one write, bodies of 100 bytes and of 1 MiB (whose bytes look like
// requests: "GET / HTTP/1.1\r\n..."; always the last request of its write), and every 25th request with its own
// traceparent (must not get another).
// Every byte written goes to sent-<local port>.bin and each request's [start, end) to sent-<local port>.json.
// Waits for "go" on stdin first (so the agent has instrumented this process). Prints a JSON summary.
// Usage: node load.mjs HOST PORT DIR CONNS REQUESTS MARKER
import { connect } from 'node:net';
import { writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';

const [host, port, dir, conns, total] = [process.argv[2], Number(process.argv[3]), process.argv[4], Number(process.argv[5]), Number(process.argv[6])];
const RESPONSE_LEN = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'.length;
const MIB = Buffer.alloc(1 << 20, 'GET /inside-a-body HTTP/1.1\r\nHost: x\r\n\r\n');
const OWN_TP = 'traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n';

function request(c, i) {
  const own = i % 25 === 7 ? OWN_TP : '';
  if (i % 500 === 250) return [Buffer.from(`POST /big/${c}/${i} HTTP/1.1\r\nHost: ${host}\r\n${own}Content-Length: ${MIB.length}\r\n\r\n`), MIB];
  if (i % 3 === 1) {
    const body = Buffer.alloc(100, `body-${i}-`);
    return [Buffer.from(`POST /small/${c}/${i} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: text/plain\r\n${own}Content-Length: ${body.length}\r\n\r\n`), body];
  }
  return [Buffer.from(`GET /get/${c}/${i}?q=${i} HTTP/1.1\r\nHost: ${host}\r\n${own}Accept: */*\r\n\r\n`)];
}

async function run(c, count) {
  const sock = connect(port, host);
  await new Promise((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
  const local = sock.localPort;
  const fd = openSync(join(dir, `sent-${local}.bin`), 'w');
  const bounds = [];
  let offset = 0;
  let received = 0;
  let waiters = [];
  sock.on('data', (d) => {
    received += d.length;
    waiters = waiters.filter((w) => (received >= w.bytes ? (w.resolve(), false) : true));
  });
  const answered = (n) => new Promise((resolve) => {
    const bytes = n * RESPONSE_LEN;
    if (received >= bytes) resolve(); else waiters.push({ bytes, resolve });
  });
  let sent = 0;
  let burst = 0;
  while (sent < count) {
    const k = burst++ % 3 === 2 ? Math.min(4, count - sent) : 1; // every third write: 4 pipelined requests
    const parts = [];
    let j = 0;
    for (; j < k; j++) {
      const req = request(c, sent + j);
      const len = req.reduce((a, b) => a + b.length, 0);
      bounds.push([offset, offset + len]);
      offset += len;
      parts.push(...req);
      if (req[1] === MIB) { j++; break; } // a 1 MiB body ends its write (see the test's header comment)
    }
    const big = parts.some((p) => p === MIB);
    if (big && j === 1 && burst % 2 === 0) {
      // head and body in separate writes
      for (const p of parts) { writeSync(fd, p); sock.write(p); }
    } else {
      const all = Buffer.concat(parts);
      writeSync(fd, all);
      sock.write(all);
    }
    sent += j;
    await answered(sent);
  }
  closeSync(fd);
  writeFileSync(join(dir, `sent-${local}.json`), JSON.stringify(bounds));
  sock.end();
  await new Promise((r) => sock.once('close', r));
  return local;
}

process.stdin.once('data', async () => {
  const per = Math.ceil(total / conns);
  const ports = await Promise.all(Array.from({ length: conns }, (_, c) => run(c, Math.min(per, total - c * per))));
  console.log(JSON.stringify({ ports }));
  process.exit(0);
});

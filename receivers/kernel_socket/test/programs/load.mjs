// Keep-alive HTTP load: exactly TOTAL GET requests over CONCURRENCY persistent connections.
// argv: url total concurrency. Prints {"ok":n,"errors":n,"ms":n,"statuses":{...}}.
import http from 'node:http';

const [url, total, conc] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const agent = new http.Agent({ keepAlive: true, maxSockets: conc, maxFreeSockets: conc });
let next = 0, ok = 0, errors = 0;
const statuses = {};
const one = () => new Promise((resolve) => {
  const req = http.get(url, { agent }, (res) => {
    statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
    res.resume();
    res.on('end', () => { ok++; resolve(); });
  });
  req.on('error', () => { errors++; resolve(); });
});
const worker = async () => { while (next < total) { next++; await one(); } };
const t0 = performance.now();
await Promise.all(Array.from({ length: conc }, worker));
console.log(JSON.stringify({ ok, errors, ms: Math.round(performance.now() - t0), statuses }));
agent.destroy();

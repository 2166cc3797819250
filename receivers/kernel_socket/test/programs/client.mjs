// Node fetch (undici) client for the kernel_socket tests: "METHOD URL [BODY]" per stdin line,
// prints "STATUS <code> <body bytes>". argv[2] is a marker for discovery.
import readline from 'node:readline';

const rl = readline.createInterface({ input: process.stdin });
for await (const line of rl) {
  const [method, url, ...rest] = line.trim().split(' ');
  if (!url) continue;
  const body = rest.length ? rest.join(' ') : undefined;
  const r = await fetch(url, { method, body });
  const b = Buffer.from(await r.arrayBuffer());
  console.log(`STATUS ${r.status} ${b.length}`);
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { parseProcAddress, parseProcNet } from '../proc-net.js';
import { SocketOwners } from '../socket-owners.js';

const SERVER_PORT = 19715;
const UDP_PORT = 19716;

test('/proc/net address encoding (host-order words) and line parsing', () => {
  assert.equal(parseProcAddress('0100007F'), '127.0.0.1');
  assert.equal(parseProcAddress('00000000000000000000000001000000'), '::1');
  assert.equal(parseProcAddress('0000000000000000FFFF00000100007F'), '127.0.0.1');
  assert.equal(parseProcAddress('0000FDFD000000000000000001000000'), 'fdfd::1');
  const text = readFileSync('/proc/net/tcp', 'latin1');
  const socks = parseProcNet(text);
  assert.ok(socks.every((s) => s.inode > 0 && s.localPort >= 0 && s.localPort <= 65535));
  assert.deepEqual(parseProcNet('header\ngarbage line\n  1: 0100007F:0050 00000000:0000 0A'), []);
});

test('a real listener, an accepted connection, its client in another process and a bound UDP socket are attributed', async (t) => {
  const accepted: Socket[] = [];
  const server = createServer((s) => accepted.push(s));
  server.listen(SERVER_PORT, '127.0.0.1');
  await once(server, 'listening');
  const child = spawn('python3', ['-c', `
import socket, sys, time
c = socket.create_connection(('127.0.0.1', ${SERVER_PORT}))
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('127.0.0.1', ${UDP_PORT}))
print(c.getsockname()[1], flush=True)
sys.stdin.read()
`], { stdio: ['pipe', 'pipe', 'inherit'] });
  t.after(() => {
    child.kill();
    for (const s of accepted) s.destroy();
    server.close();
  });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  const clientPort = Number(line.toString().trim());
  const owners = new SocketOwners({ minRefreshMs: 0 });
  assert.equal(owners.owner('tcp', '127.0.0.1', SERVER_PORT, '127.0.0.1', clientPort), undefined, 'nothing known before the first refresh');
  await owners.maybeRefresh();
  assert.equal(owners.owner('tcp', '127.0.0.1', SERVER_PORT, '127.0.0.1', clientPort), process.pid, 'the accepted socket');
  assert.equal(owners.owner('tcp', '127.0.0.1', SERVER_PORT, '127.0.0.1', 1), process.pid, 'the listener, by port');
  assert.equal(owners.owner('tcp', '127.0.0.1', clientPort, '127.0.0.1', SERVER_PORT), child.pid, 'the client in the other process');
  assert.equal(owners.owner('udp', '127.0.0.1', UDP_PORT, '192.0.2.1', 53), child.pid, 'a bound UDP socket');
  assert.equal(owners.owner('udp', '127.0.0.1', 1, '192.0.2.1', 53), undefined);
  owners.learn('tcp', '10.0.0.1', 40000, '10.0.0.2', 80, 4242);
  assert.equal(owners.owner('tcp', '10.0.0.1', 40000, '10.0.0.2', 80), 4242, 'a tuple learnt from a connect event');
});

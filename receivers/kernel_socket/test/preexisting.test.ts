/**
 * A keep-alive connection opened before the agent starts: its accept was never seen, so the first request line
 * after start-up gives the connection its role; every request from then on is one span.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { describe, instrumented, sleep, startServer, startTrackedAgent, stopAllProcs } from './support.js';
import { cleanUp } from '../../../test/support/cleanup.js';

const PORT = 19667;
const cleanup: Array<() => Promise<void>> = [];
after(() => cleanUp(...cleanup.reverse(), stopAllProcs));

function request(s: Socket, path: string): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const on = (d: Buffer) => {
      got += d.toString('latin1');
      const head = got.indexOf('\r\n\r\n');
      const len = /content-length: (\d+)/i.exec(got);
      if (head >= 0 && len && got.length >= head + 4 + Number(len[1])) {
        s.off('data', on);
        resolve(got);
      }
    };
    s.on('data', on);
    s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
  });
}

test('requests on a connection that predates the agent are traced from the next request on', async () => {
  const server = await startServer('node', PORT);
  const s = await new Promise<Socket>((resolve) => { const c = connect(PORT, '127.0.0.1', () => resolve(c)); });
  cleanup.push(async () => { s.destroy(); });
  assert.match(await request(s, '/hello?before=1'), /^HTTP\/1\.1 200/);
  const tracked = await startTrackedAgent({ request_timeout: '5s' });
  cleanup.push(async () => {
    await tracked.agent.stop();
    assert.deepEqual(await tracked.leftLoaded(), [], 'programs the agent loaded left in the kernel');
  });
  await instrumented(tracked.agent, server.pids);
  for (let i = 0; i < 3; i++) assert.match(await request(s, `/hello?after=${i}`), /^HTTP\/1\.1 200/);
  const mine = (x: { http?: { query: string } }) => x.http?.query.startsWith('after=') === true;
  await tracked.agent.waitSpans(mine, 3, 5000);
  await sleep(300);
  const spans = tracked.agent.spans.filter((x) => x.service.name === server.serviceName);
  assert.deepEqual(spans.map((x) => x.http?.query), ['after=0', 'after=1', 'after=2'], spans.map(describe).join(' | '));
  for (const x of spans) {
    assert.equal(x.kind, 'server');
    assert.equal(x.connection.peerPort, s.localPort);
    assert.equal(x.http?.responseBodySize, 11);
  }
});

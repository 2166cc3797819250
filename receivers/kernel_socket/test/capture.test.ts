/**
 * capture_bytes above 1024 (the 8 KiB probe variant): a 2,000-character path and a traceparent header behind
 * 1 KiB of other headers (3.4 KiB of head) are captured whole, and the span continues the caller's trace. Also:
 * ignore_ports.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  instrumented, startServer, type Agent, type Server, nodeServerFixture,
} from './support.js';

const run = promisify(execFile);
const PORT = 19660;
let agent: Agent;
let server: Server;

nodeServerFixture({ capture_bytes: 4096, request_timeout: '5s', ignore_ports: '19661-19662' }, PORT, (a, s) => { agent = a; server = s; });

test('ignore_ports: a server on an ignored port gives no span', async () => {
  const ignored = await startServer('node', 19661);
  await instrumented(agent, ignored.pids);
  const { stdout } = await run('curl', ['-s', `http://127.0.0.1:19661/hello?ignored=1`, `http://127.0.0.1:${PORT}/hello?ignored=0`]);
  assert.equal(stdout, 'hello worldhello world');
  await agent.waitSpans((x) => x.http?.query === 'ignored=0', 1, 5000);
  assert.equal(agent.spans.filter((x) => x.service.name === ignored.serviceName).length, 0);
  await ignored.proc.kill();
});

test('long path and a late traceparent are captured with capture_bytes 4096', async () => {
  const path = `/long/${'x'.repeat(2000)}`;
  const filler = Array.from({ length: 10 }, (_, i) => ['-H', `X-Filler-${i}: ${'f'.repeat(100)}`]).flat();
  const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  await run('curl', ['-s', '-o', '/dev/null', ...filler, '-H', `traceparent: ${tp}`, `http://127.0.0.1:${PORT}${path}?q=1`]);
  const [s] = await agent.waitSpans((x) => x.service.name === server.serviceName && x.http?.path.startsWith('/long/') === true, 1, 10_000);
  assert.equal(s!.http?.path, path);
  assert.equal(s!.http?.query, 'q=1');
  assert.equal(s!.http?.status, 404);
  assert.equal(s!.trace.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.equal(s!.trace.parentSpanId, '00f067aa0ba902b7');
  assert.equal(s!.trace.flags, 1);
});

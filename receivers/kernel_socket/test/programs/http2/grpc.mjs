// A Node @grpc/grpc-js server or client without generated code (raw bytes as messages), for the HTTP/2 capture
// tests. Usage: grpc.mjs server PORT MARKER | grpc.mjs client PORT SCENARIO MARKER
// The client waits for a line on stdin before each phase (so the agent can instrument it first), prints
// "DONE <phase> <json>" after each. Scenarios: basic (unary, server-streaming, an error), many (1000
// concurrent unary calls on one connection), preexisting (one call, then after the next stdin line three more
// on the same connection).
import * as grpc from '@grpc/grpc-js';
import { createInterface } from 'node:readline';

const raw = { requestSerialize: (b) => b, requestDeserialize: (b) => b, responseSerialize: (b) => b, responseDeserialize: (b) => b };
const service = {
  SayHello: { path: '/helloworld.Greeter/SayHello', requestStream: false, responseStream: false, ...raw },
  ListFeatures: { path: '/routeguide.RouteGuide/ListFeatures', requestStream: false, responseStream: true, ...raw },
  Lookup: { path: '/lumen.test.Directory/Lookup', requestStream: false, responseStream: false, ...raw },
};
const [mode, port, scenario] = process.argv.slice(2);

if (mode === 'server') {
  const server = new grpc.Server();
  server.addService(service, {
    // the reply is twice the request: sizes tell the calls apart
    SayHello: (call, cb) => cb(null, Buffer.concat([call.request, call.request])),
    ListFeatures: (call) => {
      for (let i = 0; i < 3; i++) call.write(Buffer.alloc(100 + i, 0x61));
      call.end();
    },
    Lookup: (call, cb) => cb({ code: grpc.status.NOT_FOUND, details: 'no such entry' }),
  });
  server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err) => {
    if (err) { console.error(err); process.exit(1); }
    console.log('LISTENING');
  });
} else {
  const Client = grpc.makeGenericClientConstructor(service, 'Test');
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  const unary = (method, body) => new Promise((resolve) => client[method](body, (err, reply) => resolve(err ? { code: err.code } : { code: 0, bytes: reply.length })));
  const stream = () => new Promise((resolve) => {
    let n = 0;
    const s = client.ListFeatures(Buffer.from('where'));
    s.on('data', () => n++);
    s.on('status', (st) => resolve({ code: st.code, messages: n }));
    s.on('error', () => {});
  });
  await lines.next();
  if (scenario === 'basic') {
    const out = [];
    out.push(await unary('SayHello', Buffer.alloc(10, 0x62)));
    out.push(await stream());
    out.push(await unary('Lookup', Buffer.from('nobody')));
    console.log('DONE basic', JSON.stringify(out));
  } else if (scenario === 'many') {
    await unary('SayHello', Buffer.alloc(1, 0x63)); // the connection is up before the burst
    const calls = [];
    for (let i = 0; i < 1000; i++) calls.push(unary('SayHello', Buffer.alloc(2 + (i % 50), 0x64)));
    const out = await Promise.all(calls);
    console.log('DONE many', JSON.stringify({ ok: out.filter((r) => r.code === 0).length }));
  } else if (scenario === 'preexisting') {
    console.log('DONE before', JSON.stringify(await unary('SayHello', Buffer.alloc(7, 0x65))));
    await lines.next();
    const out = [];
    out.push(await unary('SayHello', Buffer.alloc(11, 0x65)));
    out.push(await unary('Lookup', Buffer.from('nobody')));
    out.push(await stream());
    console.log('DONE after', JSON.stringify(out));
  }
  client.close();
  process.exit(0);
}

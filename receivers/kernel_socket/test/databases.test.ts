/**
 * Database clients, captured from the wire by content (never by port): real servers from Debian packages
 * (PostgreSQL, MariaDB, Redis, memcached) and real clients (psql, the mariadb client, redis-cli, Node's pg,
 * mysql2, ioredis and memcached packages), and Kafka: Go's sarama client against sarama's MockBroker (Debian's
 * golang-github-shopify-sarama-dev), a real Kafka-protocol implementation. Every operation is one span with the
 * right db.* / messaging.* attributes; error answers are marked. Ports 21000-21019.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Span } from '../../../src/model/span.js';
import { TraceJoiner } from '../../../src/tracing/joiner.js';
import { cleanUp } from '../../../test/support/cleanup.js';
import { CLIENT_MARKER, PROGRAMS, startProc, startTrackedAgent, stopAllProcs, type Agent } from './support.js';
import { startMariadb, startMemcached, startPostgres, startRedis, type DbServer } from './db-servers.js';

let tracked: Awaited<ReturnType<typeof startTrackedAgent>>;
let agent: Agent;
const PG = 21000, MARIADB = 21001, REDIS = 21002, MEMCACHED = 21003, KAFKA = 21004, HTTP_ON_PG = 21006;

/** Each server starts once, for the first test that needs it (tests can run alone with --test-name-pattern). */
const once = (start: () => Promise<DbServer>) => { let p: Promise<DbServer> | undefined; return () => (p ??= start()); };
const postgres = once(() => startPostgres(PG));
const mariadb = once(() => startMariadb(MARIADB));
const redis = once(() => startRedis(REDIS));
const memcached = once(() => startMemcached(MEMCACHED));

before(async () => {
  tracked = await startTrackedAgent({ request_timeout: '5s', databases: { query_text: true } });
  agent = tracked.agent;
});
after(() => cleanUp(
  () => agent?.stop(),
  stopAllProcs,
  async () => { if (tracked) assert.deepEqual(await tracked.leftLoaded(), [], 'programs the agent loaded left in the kernel'); },
));

/** Runs `cmd` once the agent instruments it (it waits for a stdin line before connecting); its spans to `port`. */
async function traced(cmd: string, args: string[], port: number, expected: number, stdin = 'go\n'): Promise<Span[]> {
  const p = startProc(cmd, args, { stdin: true });
  await agent.waitAdded(p.pid, 15_000);
  p.child.stdin!.end(stdin);
  const code = await p.exited();
  assert.equal(code, 0, `${cmd} ${args.join(' ')} failed:\n${p.stdout()}\n${p.stderr()}`);
  const mine = (s: Span) => s.service.process.pid === p.pid && s.connection.peerPort === port;
  await agent.waitSpans(mine, expected, 15_000).catch((e: Error) => {
    const counters = agent.metrics.collect().filter((m) => m.name.startsWith('lumen_kernel_socket') && m.value > 0).map((m) => `${m.name}${JSON.stringify(m.labels)}=${m.value}`);
    throw new Error(`${e.message}\nspans: ${agent.spans.filter(mine).map(show).join(' | ')}\ncounters: ${counters.join(' ')}`);
  });
  await new Promise((r) => setTimeout(r, 1500)); // nothing more may come (an extra span is a bogus one)
  return agent.spans.filter(mine);
}

const show = (s: Span) => `${s.kind} ${s.name} pid=${s.service.process.pid} ${JSON.stringify(s.attributes)}`;
const node = (scenario: string, port: number) => [join(PROGRAMS, 'db', 'client.mjs'), scenario, String(port), CLIENT_MARKER];
/** A shell that waits for its stdin line, then becomes the client (same pid, marker kept in its arguments). */
const shell = (cmd: string) => ['-c', `read _ && exec ${cmd}`, CLIENT_MARKER];

function expectSpans(spans: Span[], want: Array<Record<string, unknown> & { name: string }>): void {
  assert.equal(spans.length, want.length, `spans: ${spans.map(show).join(' | ')}`);
  const sorted = [...spans].sort((a, b) => (a.startUnixNano < b.startUnixNano ? -1 : 1));
  for (const [i, w] of want.entries()) {
    const s = sorted[i]!;
    assert.equal(s.kind, 'client');
    assert.equal(s.name, w.name, `span ${i}: ${show(s)}`);
    for (const [k, v] of Object.entries(w)) if (k !== 'name') assert.equal(s.attributes[k], v, `span ${i} ${k}: ${show(s)}`);
    assert.ok(s.endUnixNano > s.startUnixNano, `span ${i} has a duration`);
  }
}

test('PostgreSQL: Node pg — simple, named prepared (executed by name), unnamed extended, an error, a query longer than the capture', async () => {
  await postgres();
  const spans = await traced(process.execPath, node('pg', PG), PG, 7);
  const base = { 'db.system.name': 'postgresql', 'db.namespace': 'shop' };
  expectSpans(spans, [
    { name: 'SELECT users', ...base, 'db.operation.name': 'SELECT', 'db.collection.name': 'users', 'db.query.text': 'SELECT name FROM users WHERE id = ?', 'db.response.returned_rows': 1 },
    { name: 'SELECT users', ...base, 'db.query.text': 'SELECT name FROM users WHERE id = $1' },
    { name: 'SELECT users', ...base, 'db.query.text': 'SELECT name FROM users WHERE id = $1' },
    { name: 'UPDATE users', ...base, 'db.operation.name': 'UPDATE', 'db.response.returned_rows': 1 },
    { name: 'SELECT no_such_table', ...base, 'db.response.status_code': '42P01', 'error.type': '42P01' },
    { name: 'SELECT users', ...base, 'db.response.returned_rows': 20 },
    { name: 'SELECT users', ...base },
  ]);
  const sorted = [...spans].sort((a, b) => (a.startUnixNano < b.startUnixNano ? -1 : 1));
  assert.ok((sorted.at(-2)!.attributes['db.query.text'] as string).length < 1024, 'the text is the captured prefix');
});

test('PostgreSQL: psql — queries, an error, COPY FROM STDIN counted as one operation', async () => {
  await postgres();
  const script = 'SELECT count(*) FROM users;\nINSERT INTO users VALUES (100, \'x\');\nSELECT 1/0;\nCOPY users FROM STDIN;\n200\ta\n201\tb\n\\.\n';
  const spans = await traced('sh', shell(`psql -X -q -h 127.0.0.1 -p ${PG} -U postgres -d shop -v marker=${CLIENT_MARKER}`), PG, 4, `go\n${script}`);
  const base = { 'db.system.name': 'postgresql', 'db.namespace': 'shop' };
  expectSpans(spans, [
    { name: 'SELECT users', ...base },
    { name: 'INSERT users', ...base, 'db.response.returned_rows': 1 },
    { name: 'SELECT', ...base, 'db.response.status_code': '22012', 'error.type': '22012' },
    { name: 'COPY users', ...base, 'db.operation.name': 'COPY', 'db.response.returned_rows': 2 },
  ]);
});

test('PostgreSQL under HTTP: each query span is the child of the server span whose thread issued it (trace_join)', async () => {
  await postgres();
  const p = startProc(process.execPath, [join(PROGRAMS, 'db', 'http-server.mjs'), String(HTTP_ON_PG), String(PG), CLIENT_MARKER]);
  await agent.waitAdded(p.pid, 15_000);
  for (let i = 0; i < 50 && !p.stdout().includes('READY'); i++) await new Promise((r) => setTimeout(r, 100));
  for (let id = 1; id <= 5; id++) assert.equal((await fetch(`http://127.0.0.1:${HTTP_ON_PG}/order/${id}`)).status, 200);
  const mine = (s: Span) => s.service.process.pid === p.pid;
  await agent.waitSpans((s) => mine(s) && s.protocol === 'sql', 5, 15_000);
  await agent.waitSpans((s) => mine(s) && s.kind === 'server', 5, 15_000);
  const joiner = new TraceJoiner({ waitMs: 0, maxSpans: 10_000 });
  joiner.add(agent.spans.filter(mine), 0);
  const drained = joiner.drain(0, true);
  const queries = drained.filter((x) => x.span.protocol === 'sql');
  assert.equal(queries.length, 5);
  for (const q of queries) {
    assert.equal(q.parent?.span.kind, 'server', `${q.span.name} has a server parent`);
    assert.match(q.parent!.span.http!.path, /^\/order\/\d$/);
  }
  assert.equal(new Set(queries.map((q) => q.parent)).size, 5, 'each query under its own request');
  await p.kill();
});

test('MariaDB: Node mysql2 — query, prepared statements (prepare + execute by id), an error', async () => {
  await mariadb();
  const spans = await traced(process.execPath, node('mysql', MARIADB), MARIADB, 5);
  const base = { 'db.system.name': 'mysql', 'db.namespace': 'shop' };
  expectSpans(spans, [
    { name: 'SELECT orders', ...base, 'db.operation.name': 'SELECT', 'db.collection.name': 'orders', 'db.query.text': 'SELECT item FROM orders WHERE id = ?' },
    { name: 'SELECT orders', ...base, 'db.query.text': 'SELECT item FROM orders WHERE id = ?' },
    { name: 'SELECT orders', ...base, 'db.query.text': 'SELECT item FROM orders WHERE id = ?' },
    { name: 'INSERT orders', ...base, 'db.operation.name': 'INSERT' },
    { name: 'SELECT missing_table', ...base, 'db.response.status_code': '1146', 'error.type': '1146' },
  ]);
});

test('MariaDB: the mariadb client — statements and an error', async () => {
  await mariadb();
  const script = 'SELECT item FROM orders WHERE id = 2;\nUPDATE orders SET item = "fig" WHERE id = 1;\nSELECT nope FROM orders;\n';
  const spans = await traced('sh', shell(`mariadb --no-defaults -h 127.0.0.1 -P ${MARIADB} -uapp -psecret --force shop --init-command="SET @m='${CLIENT_MARKER}'"`), MARIADB, 3, `go\n${script}`);
  const named = spans.filter((s) => s.attributes['db.collection.name'] === 'orders');
  expectSpans(named, [
    { name: 'SELECT orders', 'db.system.name': 'mysql', 'db.namespace': 'shop' },
    { name: 'UPDATE orders', 'db.system.name': 'mysql' },
    { name: 'SELECT orders', 'db.response.status_code': '1054', 'error.type': '1054' },
  ]);
});

test('Redis: ioredis — commands, a WRONGTYPE error, a pipeline of 1000 INCRs in one write, a reply longer than the capture', async () => {
  await redis();
  const spans = await traced(process.execPath, node('redis', REDIS), REDIS, 5 + 1000);
  const byName = (n: string) => spans.filter((s) => s.name === n);
  assert.equal(byName('SET').length, 2, spans.filter((s) => s.name !== 'INCR').map(show).join(' | '));
  assert.equal(byName('GET').length, 2, 'the GET of a 200 kB value too');
  const lpush = byName('LPUSH');
  assert.equal(lpush.length, 1);
  assert.equal(lpush[0]!.attributes['error.type'], 'WRONGTYPE');
  assert.equal(lpush[0]!.attributes['db.response.status_code'], 'WRONGTYPE');
  const incr = byName('INCR');
  assert.equal(incr.length, 1000, 'one span per pipelined command');
  assert.ok(incr.every((s) => s.attributes['db.system.name'] === 'redis' && s.attributes['db.operation.name'] === 'INCR' && !s.attributes['error.type']));
  assert.ok(incr.every((s) => (s.attributes['db.query.text'] as string).startsWith('INCR counter:')));
  // besides: ioredis's CLIENT SETINFO at connect (refused by older servers) and QUIT
  assert.equal(spans.filter((s) => !['SET', 'GET', 'LPUSH', 'INCR', 'QUIT', 'CLIENT'].includes(s.name)).length, 0, spans.map(show).slice(0, 5).join(' | '));
});

test('Redis: redis-cli in RESP3 (-3) — HELLO 3, map and set replies, an unknown command', async () => {
  await redis();
  // -D (the output delimiter) carries the marker: the exec'd client stays selected
  const spans = await traced('sh', shell(`redis-cli -3 -h 127.0.0.1 -p ${REDIS} -D ${CLIENT_MARKER}`), REDIS, 7,
    'go\nSET fruit apple\nHSET basket apple 1\nHGETALL basket\nSADD bag x\nSMEMBERS bag\nNOSUCHCMD x\n');
  const sorted = [...spans].sort((a, b) => (a.startUnixNano < b.startUnixNano ? -1 : 1));
  assert.deepEqual(sorted.map((s) => s.name).filter((n) => n !== 'COMMAND'), ['HELLO', 'SET', 'HSET', 'HGETALL', 'SADD', 'SMEMBERS', 'NOSUCHCMD']);
  assert.equal(spans.find((s) => s.name === 'NOSUCHCMD')!.attributes['error.type'], 'ERR');
});

test('Redis: the last command of a connection that goes quiet is a span within ~2 s (idle sweep), not at its close', async () => {
  await redis();
  const p = startProc(process.execPath, node('redisidle', REDIS), { stdin: true });
  await agent.waitAdded(p.pid, 15_000);
  p.child.stdin!.end('go\n');
  const get = (s: Span) => s.service.process.pid === p.pid && s.name === 'GET';
  await agent.waitSpans(get, 1, 4_000);
  assert.equal(p.child.exitCode, null, 'the client still holds its idle connection');
  assert.equal(agent.spans.filter(get)[0]!.attributes['error.type'], undefined);
  await p.kill();
});

test('memcached: Node memcached (text protocol) — set, get hit, get miss, delete', async () => {
  await memcached();
  const spans = await traced(process.execPath, node('memcached', MEMCACHED), MEMCACHED, 4);
  expectSpans(spans, [
    { name: 'set', 'db.system.name': 'memcached', 'db.operation.name': 'set', 'db.response.status_code': 'STORED' },
    { name: 'get', 'db.response.status_code': 'HIT' },
    { name: 'get', 'db.response.status_code': 'MISS' },
    { name: 'delete', 'db.response.status_code': 'DELETED' },
  ]);
});

/** The sarama client + MockBroker program, built once per source content (GOPATH: Debian's Go packages). */
function buildKafkaClient(): string {
  const src = join(PROGRAMS, 'kafka', 'main.go');
  const cache = join(tmpdir(), 'lumen-ks-cache');
  const out = join(cache, `kafka-${createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 16)}`);
  if (existsSync(out)) return out;
  mkdirSync(cache, { recursive: true });
  execFileSync('go', ['build', '-o', `${out}.tmp${process.pid}`, src], {
    env: { ...process.env, GO111MODULE: 'off', GOPATH: '/usr/share/gocode', GOCACHE: join(cache, 'gocache'), GOFLAGS: '' }, stdio: 'pipe',
  });
  execFileSync('mv', [`${out}.tmp${process.pid}`, out]);
  return out;
}

for (const version of ['0.8.2', '1.0.0']) {
  test(`Kafka ${version} (Produce v${version === '1.0.0' ? 3 : 0}, Fetch v${version === '1.0.0' ? 4 : 0}): sarama against its MockBroker — publish spans per message, the refused one an error, receive spans`, async () => {
    const spans = await traced(buildKafkaClient(), [String(KAFKA), version, CLIENT_MARKER], KAFKA, 5);
    const publish = spans.filter((s) => s.name === 'publish orders');
    assert.equal(publish.length, 3, spans.map(show).join(' | '));
    for (const s of publish) {
      assert.equal(s.kind, 'producer');
      assert.equal(s.protocol, 'kafka');
      assert.deepEqual([s.attributes['messaging.system'], s.attributes['messaging.destination.name'], s.attributes['messaging.destination.partition.id'], s.attributes['messaging.client.id']],
        ['kafka', 'orders', '0', 'shop-api']);
      assert.equal(s.attributes['error.type'], undefined);
    }
    const audit = spans.filter((s) => s.name === 'publish audit');
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.attributes['error.type'], 'kafka_error_2', 'INVALID_MESSAGE (2)');
    const receive = spans.filter((s) => s.name === 'receive orders');
    assert.ok(receive.length >= 1 && receive.every((s) => s.kind === 'consumer' && s.attributes['messaging.operation.name'] === 'receive'));
    assert.equal(spans.length, publish.length + audit.length + receive.length, 'Metadata and ListOffsets are not spans');
    assert.ok(agent.counter('lumen_kernel_socket_wire_requests_not_spanned_total', { protocol: 'kafka', kind: 'api_key_3' }) >= 1, 'Metadata counted');
    assert.ok(agent.counter('lumen_kernel_socket_wire_requests_not_spanned_total', { protocol: 'kafka', kind: 'api_key_2' }) >= 1, 'ListOffsets counted');
  });
}

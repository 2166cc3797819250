/**
 * The parsers on the built exchanges of corpus.ts: what each yields. Kafka has no real broker here, so these are
 * its only checks (Produce v3 → publish, Fetch v4 → receive with a partition error, other API keys counted).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kafkaParser } from '../../kafka/index.js';
import { memcachedParser } from '../../memcached/index.js';
import { mysqlParser } from '../../mysql/index.js';
import { postgresParser } from '../../postgres/index.js';
import { redisParser } from '../../redis/index.js';
import type { WireOperation, WireParser } from '../index.js';
import { KAFKA, MEMCACHED, MYSQL, POSTGRES, REDIS, pg } from './corpus.js';

function run<S>(parser: WireParser<S>, corpus: Array<[Buffer, Buffer]>): WireOperation[] {
  const state = parser.newState();
  const out: WireOperation[] = [];
  for (const [request, response] of corpus) parser.parse({ request, response, requestBytes: request.length, responseBytes: response.length, startUnixNano: 5n }, state, out);
  return out;
}

const pick = (o: WireOperation) => [o.operation, o.collection, o.namespace, o.status, o.error].join('|');

test('postgresql: startup database, simple query, named prepared statement, SQLSTATE error, COPY across two exchanges', () => {
  const ops = run(postgresParser, POSTGRES);
  assert.deepEqual(ops.map(pick), ['SELECT|users|shop||', 'SELECT|t|shop||', 'SELECT|nope|shop|42P01|42P01', 'COPY|t|shop||']);
  assert.equal(ops[3]!.rows, 1);
  assert.equal(ops[3]!.startUnixNano, 5n);
});

test('postgresql: a Bind of a statement prepared before the connection was seen is an EXECUTE span', () => {
  const bind = Buffer.concat([pg('B', Buffer.from('\0S_7\0\0\0\0\0\0\0')), pg('E', Buffer.from('\0\0\0\0\0')), pg('S', Buffer.alloc(0))]);
  const answer = Buffer.concat([pg('2', Buffer.alloc(0)), pg('C', Buffer.from('SELECT 1\0')), pg('Z', Buffer.from('I'))]);
  const out: WireOperation[] = [];
  postgresParser.parse({ request: bind, response: answer, requestBytes: bind.length, responseBytes: answer.length, startUnixNano: 0n }, postgresParser.newState(), out);
  assert.deepEqual(out.map(pick), ['EXECUTE||||']);
  assert.equal(out[0]!.query, '');
});

test('mysql: query, prepared statement id mapped to its text, ERR with its number', () => {
  assert.deepEqual(run(mysqlParser, MYSQL).map(pick), ['SELECT|orders|||', 'SELECT|orders|||', 'SELECT|missing||1146|1146']);
});

test('redis: pipeline paired in order, RESP3 map replies, SELECT sets the namespace, inline commands', () => {
  assert.deepEqual(run(redisParser, REDIS).map(pick), ['SET||||', 'GET||||', 'LPUSH|||WRONGTYPE|WRONGTYPE', 'HELLO||||', 'HGETALL||||', 'SELECT||2||', 'PING||2||']);
});

test('memcached: storage with its data block, hit, miss, delete, a not-found and an unknown command', () => {
  assert.deepEqual(run(memcachedParser, MEMCACHED).map(pick), ['set|||STORED|', 'get|||HIT|', 'get|||MISS|', 'delete|||DELETED|', 'incr|||NOT_FOUND|']);
});

test('kafka: Produce v3 and Fetch v4 with topic, partition and client id; partition error codes; other keys counted', () => {
  const state = kafkaParser.newState();
  const out: WireOperation[] = [];
  const other: string[] = [];
  for (const [request, response] of KAFKA) kafkaParser.parse({ request, response, requestBytes: request.length, responseBytes: response.length, startUnixNano: 0n, other: (k) => other.push(k) }, state, out);
  assert.deepEqual(out.map((o) => [o.operation, o.collection, o.partition, o.clientId, o.status, o.error]), [
    ['publish', 'orders', 2, 'app-1', '', ''],
    ['receive', 'orders', 0, 'app-1', '3', 'kafka_error_3'],
  ]);
  assert.deepEqual(other, ['api_key_18'], 'ApiVersions counted'); 
});

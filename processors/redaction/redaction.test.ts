import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { firstValueFrom, from, toArray } from 'rxjs';
import { spanBatch, type Batch, type SpanBatch } from '../../src/model/batch.js';
import { testContext } from '../../test/support/context.js';
import { sampleHttpSpan, sampleService } from '../../test/support/sample-spans.js';
import { obfuscateSql, redactQuery, redactionProcessorFactory, secretNames, stripUrlCredentials } from './index.js';

test('secret query values become REDACTED; names are percent-decoded and case-insensitive; the rest is byte-exact', () => {
  assert.equal(redactQuery('a=1&password=hunter2&api%5Fkey=zz;X-Amz-Signature=abc&q=ok'), 'a=1&password=REDACTED&api%5Fkey=REDACTED;X-Amz-Signature=REDACTED&q=ok');
  assert.equal(redactQuery('Access_Token=abc&client%5fsecret=s&x=%zz'), 'Access_Token=REDACTED&client%5fsecret=REDACTED&x=%zz');
  assert.equal(redactQuery('token=&token&page=2'), 'token=&token&page=2', 'no value, nothing to hide');
  assert.equal(redactQuery('x-amz-credential=AKIA%2F2024&X-Amz-Security-Token=t'), 'x-amz-credential=REDACTED&X-Amz-Security-Token=REDACTED');
  assert.equal(redactQuery('tenant=acme&ssn=123', secretNames(['SSN'])), 'tenant=acme&ssn=REDACTED');
  assert.equal(redactQuery('password=x', secretNames(['ssn'], false)), 'password=x');
  assert.equal(redactQuery('bad%E0%A4=1&pass%77ord=2'), 'bad%E0%A4=1&pass%77ord=REDACTED');
});

test('property: redaction is idempotent, never reveals a secret value, keeps non-secret pairs', () => {
  const name = fc.constantFrom('token', 'password', 'page', 'q', 'API_KEY', 'sort');
  const value = fc.stringMatching(/^[A-Za-z0-9%._~-]{1,12}$/);
  fc.assert(fc.property(fc.array(fc.tuple(name, value), { maxLength: 8 }), (pairs) => {
    const q = pairs.map(([n, v]) => `${n}=${v}`).join('&');
    const r = redactQuery(q);
    assert.equal(redactQuery(r), r);
    const out = r.split('&');
    pairs.forEach(([n, v], i) => assert.equal(out[i], ['token', 'password', 'api_key'].includes(n.toLowerCase()) ? `${n}=REDACTED` : `${n}=${v}`));
  }));
});

test('credentials are removed from URLs', () => {
  assert.equal(stripUrlCredentials('postgres://app:s3cret@db:5432/shop?sslmode=require'), 'postgres://db:5432/shop?sslmode=require');
  assert.equal(stripUrlCredentials('see https://u@h/x and ftp://a:b@c/'), 'see https://h/x and ftp://c/');
  assert.equal(stripUrlCredentials('/users/jane@example.com'), '/users/jane@example.com');
});

test('SQL literals become ?, identifiers and placeholders stay, IN lists fold', () => {
  assert.equal(obfuscateSql("SELECT * FROM users WHERE id = 42 AND name = 'O''Brien' -- who"), 'SELECT * FROM users WHERE id = ? AND name = ?');
  assert.equal(obfuscateSql('SELECT "col1", t2.c3 FROM t2 WHERE x IN (1, 2, 3) AND y = $1 LIMIT 10'), 'SELECT "col1", t2.c3 FROM t2 WHERE x IN (?) AND y = $1 LIMIT ?');
  assert.equal(obfuscateSql("INSERT INTO t (a, b) VALUES (1.5e3, x'ff'), (TRUE, $$body$$)"), 'INSERT INTO t (a, b) VALUES (?, ?), (?, ?)');
  assert.equal(obfuscateSql("SELECT /* secret 'x' */ a FROM t1 WHERE s = E'it\\'s'"), 'SELECT  a FROM t1 WHERE s = ?');
  assert.equal(obfuscateSql("SELECT 'unterminated"), 'SELECT ?');
});

test('property: obfuscated SQL holds no digit-literal or quoted text of the input', () => {
  fc.assert(fc.property(fc.stringMatching(/^[a-z]{3,10}$/), fc.integer({ min: 100000, max: 999999 }), (secret, num) => {
    const out = obfuscateSql(`SELECT a FROM t WHERE s = '${secret}' AND n = ${num}`);
    assert.ok(!out.includes(secret) && !out.includes(String(num)), out);
    assert.equal(obfuscateSql(out), out);
  }));
});

test('the processor redacts query, path/host credentials, url.full, db.query.text on spans', async () => {
  const svc = sampleService('shop', 3);
  const http = sampleHttpSpan(svc, { path: 'http://bob:pw@proxy.local/x' });
  http.http!.query = 'session_id=abc&page=2';
  http.http!.host = 'bob:pw@proxy.local:8080';
  http.attributes = Object.freeze({ 'url.full': 'https://a:b@api.example.com/v1?token=t&x=1' });
  const sql = { ...sampleHttpSpan(svc), protocol: 'sql' as const, http: undefined, attributes: { 'db.query.text': "SELECT 1 FROM t WHERE k = 'v'" } };
  const out = (await firstValueFrom(from([spanBatch([http, sql]) as Batch]).pipe(redactionProcessorFactory.create(redactionProcessorFactory.defaultConfig(), testContext('redaction')), toArray()))) as Batch[] as SpanBatch[];
  const [a, b] = out[0]!.items;
  assert.equal(a!.http!.query, 'session_id=REDACTED&page=2');
  assert.equal(a!.http!.path, 'http://proxy.local/x');
  assert.equal(a!.http!.host, 'proxy.local:8080');
  assert.equal(a!.attributes['url.full'], 'https://api.example.com/v1?token=REDACTED&x=1');
  assert.equal(b!.attributes['db.query.text'], 'SELECT ? FROM t WHERE k = ?');
});

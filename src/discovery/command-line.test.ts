import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exportedCommandLine, redactCommandLine } from './command-line.js';

const CMD = '/usr/bin/app --db-password=hunter2 --token s3cr3t --port 8080 -v API_KEY=k1 --dsn=postgres://app:pw9@db:5432/x https://h/cb?state=1&access_token=t0k --name shop';

test('off (the default) exports nothing, full exports everything', () => {
  assert.equal(exportedCommandLine(CMD, 'off'), '');
  assert.equal(exportedCommandLine(CMD, 'full'), CMD);
});

test('redacted keeps the arguments and replaces every secret value', () => {
  const r = redactCommandLine(CMD);
  assert.equal(r, '/usr/bin/app --db-password=REDACTED --token REDACTED --port 8080 -v API_KEY=REDACTED --dsn=postgres://REDACTED@db:5432/x https://h/cb?state=1&access_token=REDACTED --name shop');
  for (const secret of ['hunter2', 's3cr3t', 'k1', 'pw9', 't0k']) assert.ok(!r.includes(secret), secret);
  assert.equal(exportedCommandLine(CMD, 'redacted'), r);
});

test('redacted leaves ordinary command lines as they are', () => {
  const plain = '/usr/bin/python3 -m http.server 19501 --bind 127.0.0.1';
  assert.equal(redactCommandLine(plain), plain);
  assert.equal(redactCommandLine('nginx: worker process'), 'nginx: worker process');
  assert.equal(redactCommandLine('app --password'), 'app --password', 'a flag without a value stays');
  assert.equal(redactCommandLine('app --password --verbose'), 'app --password --verbose', 'the next flag is not a value');
});

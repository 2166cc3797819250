import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSecretName, nameWords } from './secret-names.js';

test('the nine names of issue #11.5 and other spellings are secret (by their words, not a list)', () => {
  for (const n of ['access_key', 'oauth_token', 'code', 'user[password]', 'client-secret', 'private-token', 'aws_secret_access_key', 'secret_key', 'otp',
    'accessToken', 'X-Api-Key', 'AWSAccessKeyId', 'db.password', 'PASSWORD', 'refreshToken', 'x-amz-security-token', 'session_id', 'apiKey', 'Authorization']) {
    assert.equal(isSecretName(n), true, n);
  }
});

test('ordinary names are not', () => {
  for (const n of ['q', 'page', 'lang', 'user', 'country_code', 'keyword', 'id', 'sort', 'bypass', 'author', 'passenger', 'via', 'tokenizer']) {
    assert.equal(isSecretName(n), false, n);
  }
});

test('words: separators, brackets and camelCase', () => {
  assert.deepEqual(nameWords('user[Password]'), ['user', 'password']);
  assert.deepEqual(nameWords('awsSecretAccessKey'), ['aws', 'secret', 'access', 'key']);
  assert.deepEqual(nameWords('X-Private-Token'), ['x', 'private', 'token']);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RouteHeuristic, isWord } from './heuristic.js';
import { isGibberish, wordScore } from './gibberish.js';
import vectors from './testdata/heuristic-vectors.json' with { type: 'json' };

for (const wildcard of ['*', '#', '_', '-']) {
  test(`heuristic agrees with every public reference vector (wildcard ${wildcard})`, () => {
    const h = new RouteHeuristic({ wildcard });
    const wrong = (vectors.vectors as [string, string][])
      .map(([input, expected]) => ({ input, expected: expected.replaceAll('*', wildcard), got: h.classify(input) }))
      .filter((r) => r.got !== r.expected);
    assert.deepEqual(wrong, []);
  });
}

test('gibberish model: words of several languages pass, key-mashing does not', () => {
  for (const w of ['users', 'orders', 'checkout', 'usuarios', 'Benutzer', 'utilisateurs', 'health', 'metrics', 'getquote']) {
    assert.equal(isGibberish(w), false, `${w} scored ${wordScore(w)}`);
  }
  for (const w of ['fdklsd', 'apjkmyp', 'ljgdflgjf', 'lfdsjd', 'erwejre', 'jwbCm', 'txt', 'xkcdqz']) {
    assert.equal(isGibberish(w), true, `${w} scored ${wordScore(w)}`);
  }
  assert.equal(wordScore('a'), 1);
});

test('isWord: empty tokens (leading or doubled delimiters) are not words, a trailing one is tolerated', () => {
  assert.equal(isWord('a----'), false);
  assert.equal(isWord('-a-a-a--'), false);
  assert.equal(isWord('-user'), false);
  assert.equal(isWord('user-'), true);
  assert.equal(isWord('README.txt'), false);
});

test('uuids, hex ids, numbers, emails and percent-encoded values become the wildcard', () => {
  const h = new RouteHeuristic();
  assert.equal(h.classify('/orders/55f4e5ea-5d6d-482a-80c4-799e3c72dfb0/items'), '/orders/*/items');
  assert.equal(h.classify('/blobs/ab3f9c01'), '/blobs/*');
  // a hex id made only of the letters a-f can read as a word, as in the reference: patterns fix such routes
  assert.equal(h.classify('/blobs/deadbeefcafe'), '/blobs/deadbeefcafe');
  assert.equal(h.classify('/users/a%20b/x'), '/users/*/x');
  assert.equal(h.classify('/u/jane@example.com'), '/u/*');
  assert.equal(h.classify('/café/menu'), '/*/menu');
});

const pathArb = fc.array(fc.oneof(fc.stringMatching(/^[a-z]{1,8}$/), fc.stringMatching(/^[0-9a-f-]{1,12}$/), fc.string({ maxLength: 6 })), { maxLength: 14 })
  .map((segments) => '/' + segments.join('/'));

test('property: classification is idempotent, never longer, keeps <= 10 segments and no id-like digit', () => {
  const h = new RouteHeuristic();
  fc.assert(fc.property(pathArb, (path) => {
    const route = h.classify(path);
    assert.equal(h.classify(route), route);
    assert.ok(route.length <= path.length);
    assert.ok(route.split('/').length <= 10);
    for (const seg of route.split('/')) assert.ok(!/[0-9]/.test(seg.slice(0, 1)) && !/[0-9]/.test(seg.slice(2)), `${seg} in ${route}`);
  }), { numRuns: 2000 });
});

test('property: the word cache never changes a verdict and stays bounded', () => {
  const cached = new RouteHeuristic({ cacheSize: 4 });
  fc.assert(fc.property(pathArb, (path) => {
    assert.equal(cached.classify(path), new RouteHeuristic({ cacheSize: 2 }).classify(path));
  }), { numRuns: 500 });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RouteTrie } from './trie.js';

// Sequences from the reference's public trie tests (OBI pkg/internal/transform/route/clusterurl/trie_test.go).
test('basic insert and fold at the second level', () => {
  const t = new RouteTrie(2);
  assert.equal(t.insert('test/bar-attach-generic-product-apjkmyp/files/multi-test-version-jwbCm/test'), '/test/bar-attach-generic-product-apjkmyp/files/multi-test-version-jwbCm/test');
  assert.equal(t.insert('test/apjkmyp/files/jwbCm/test'), '/test/apjkmyp/files/jwbCm/test');
  assert.equal(t.insert('test/xyz/files/abc/test'), '/test/*/files/*/test');
  assert.equal(t.lookup('test/anything-new/files/something/test'), '/test/*/files/*/test');
});

test('cardinality threshold', () => {
  const t = new RouteTrie(3);
  assert.equal(t.insert('api/v1/users'), '/api/v1/users');
  assert.equal(t.insert('api/v2/users'), '/api/v2/users');
  assert.equal(t.insert('api/v3/users'), '/api/v3/users');
  assert.equal(t.insert('api/v4/users'), '/api/*/users');
  assert.equal(t.lookup('api/v999/users'), '/api/*/users');
});

test('secondary and third-level folds', () => {
  const t = new RouteTrie(3);
  for (const item of ['teddy_bear', 'sports_car', 't-shirt']) assert.equal(t.insert(`api/v1/items/${item}`), `/api/v1/items/${item}`);
  assert.equal(t.lookup('api/v1/items/t-shirt'), '/api/v1/items/t-shirt');
  assert.equal(t.insert('api/v1/customers'), '/api/v1/customers');
  assert.equal(t.insert('api/v1/admin'), '/api/v1/admin');
  assert.equal(t.insert('api/v1/users'), '/api/v1/*');
  assert.equal(t.insert('api/v2/items'), '/api/v2/items');
  assert.equal(t.insert('api/v3/items'), '/api/v3/items');
  assert.equal(t.insert('api/v4/items'), '/api/*/*');
  assert.equal(t.lookup('api/v4/items/t-shirt'), '/api/*/*/t-shirt');
  assert.equal(t.insert('api/v1/customers/list'), '/api/*/*/*');
  assert.equal(t.lookup('api/v4/items/t-shirt'), '/api/*/*/*');
});

test('cascading fold, empty path, single segment, existing paths fold too', () => {
  const t = new RouteTrie(2);
  t.insert('root/child1/grandchild1');
  t.insert('root/child1/grandchild2');
  t.insert('root/child2/grandchild3');
  assert.equal(t.insert('root/child3/grandchild4'), '/root/*/*');
  assert.equal(new RouteTrie(2).insert(''), '');
  const s = new RouteTrie(2);
  assert.equal(s.insert('test'), '/test');
  assert.equal(s.lookup('test'), '/test');
  const p = new RouteTrie(2);
  p.insert('api/users/123');
  p.insert('api/users/456');
  assert.equal(p.lookup('api/users/123'), '/api/users/123');
  p.insert('api/users/789');
  assert.equal(p.lookup('api/users/123'), '/api/users/*');
  assert.equal(p.lookup('api/users/999'), '/api/users/*');
});

test('complex paths fold once the fourth distinct value arrives', () => {
  const t = new RouteTrie(3);
  const paths = [
    'bar/test/test/bar-attach-generic-product-apjkmyp/files/multi-test-version-jwbCm/test',
    'bar/test/test/bar-attach-generic-registry-apjkmyp/files/push-metrics-test-OYboK/test',
    'bar/test/test/another-product-xyz/files/version-abc/test',
  ];
  for (const p of paths) t.insert(p);
  assert.ok(t.lookup(paths[0]!).includes('bar-attach-generic-product-apjkmyp'));
  t.insert('bar/test/test/fourth-product/files/version-def/test');
  assert.equal(t.lookup('bar/test/test/any-product/files/any-version/test'), '/bar/test/test/*/files/*/test');
});

test('property: distinct routes out of a trie stay bounded whatever goes in, and so do its nodes', () => {
  fc.assert(fc.property(fc.array(fc.array(fc.stringMatching(/^[a-j]{1,2}$/), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 400 }), (routes) => {
    const t = new RouteTrie(3, '*', 200);
    for (const r of routes) t.insert(r.join('/'));
    assert.ok(t.nodeCount <= 201, `nodes ${t.nodeCount}`);
  }), { numRuns: 200 });
});

test('the node budget holds against 10-level trees of few values per level', () => {
  const t = new RouteTrie(10, '*', 1000);
  const letters = 'abcdefghij';
  for (let i = 0; i < 50_000; i++) {
    let n = i * 7919;
    const segs: string[] = [];
    for (let level = 0; level < 10; level++, n = Math.floor(n / 10)) segs.push(letters[n % 10]!);
    t.insert(segs.join('/'));
  }
  assert.ok(t.nodeCount <= 1001, `nodes ${t.nodeCount}`);
});

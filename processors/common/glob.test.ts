import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { globToRegExp, isGlob } from './glob.js';

test('glob syntax: * ? classes alternatives, * crosses slashes, the rest is literal', () => {
  const m = (g: string, s: string) => globToRegExp(g).test(s);
  assert.ok(m('/health*', '/healthz'));
  assert.ok(m('/api/*', '/api/a/b'));
  assert.ok(!m('/api/*', '/apix'));
  assert.ok(m('2??', '204'));
  assert.ok(!m('2??', '2040'));
  assert.ok(m('[45]*', '503'));
  assert.ok(!m('[!45]*', '503'));
  assert.ok(m('{GET,HEAD}', 'HEAD'));
  assert.ok(m('a.b(c)+', 'a.b(c)+'));
  assert.ok(!m('a.b', 'axb'));
  assert.throws(() => globToRegExp('{a,b'), /unclosed/);
  assert.equal(isGlob('k8s.*'), true);
  assert.equal(isGlob('url.path'), false);
});

test('property: a glob without metacharacters matches exactly itself', () => {
  fc.assert(fc.property(fc.string().filter((s) => !/[*?[{\\]/.test(s)), fc.string(), (lit, other) => {
    const re = globToRegExp(lit);
    assert.ok(re.test(lit));
    if (other !== lit) assert.ok(!re.test(other));
  }));
});

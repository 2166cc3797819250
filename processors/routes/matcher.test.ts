import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RouteMatcher } from './matcher.js';

// Expected results from the reference's public matcher tests (OBI pkg/internal/transform/route/matcher_test.go).
function expectAll(patterns: string[], cases: [string, string][]): void {
  const m = new RouteMatcher(patterns);
  assert.deepEqual(cases.map(([path]) => [path, m.find(path)]), cases);
}

test('reference TestFind: literal beats placeholder, no backtracking into single placeholders, /* prefixes', () => {
  expectAll(['/foo/bar/bae/', '/foo/:id', '/foo/{id}/push', '/ski/*', '/snow/mobile/*', '/'], [
    ['/', '/'], ['/foo/bar/bae', '/foo/bar/bae/'], ['/foo/1234', '/foo/:id'], ['/foo/someId', '/foo/:id'],
    ['/foo/5678/push', '/foo/{id}/push'], ['/foo', ''], ['/foo/bar', ''], ['/foo/bar/bae/baz', ''], ['/traca', ''],
    ['/foo/1234/down', ''], ['/foo/5678/push/up', ''], ['/ski', '/ski/*'], ['/ski/doo', '/ski/*'],
    ['/ski/doo/new/', '/ski/*'], ['/snow/man', ''], ['/snow/mobile', '/snow/mobile/*'], ['/snow/mobile/long', '/snow/mobile/*'],
  ]);
});

test('partial-segment placeholders need their literal prefix and at least one character', () => {
  expectAll(['/@:username/lists/:id', '/@:username/followers'], [
    ['/@gouthamve/lists/my-list', '/@:username/lists/:id'], ['/@alice/lists/42', '/@:username/lists/:id'],
    ['/@bob/followers', '/@:username/followers'], ['/gouthamve/lists/my-list', ''], ['/@/followers', ''],
  ]);
});

test('placeholders are tried in declaration order', () => {
  expectAll(['/@:username/profile', '/:section/profile'], [['/@carol/profile', '/@:username/profile'], ['/settings/profile', '/:section/profile']]);
  expectAll(['/:section/profile', '/@:username/profile'], [['/@carol/profile', '/:section/profile']]);
});

test('a dead-end falls back to /* and multi-segment placeholders', () => {
  expectAll(['/admin/*', '/admin/:id/settings'], [['/admin', '/admin/*'], ['/admin/token', '/admin/*'], ['/admin/token/settings', '/admin/:id/settings']]);
  expectAll(['/files/static', '/files/<path:name>/metadata'], [['/files/static', '/files/static'], ['/files/static/x/metadata', '/files/<path:name>/metadata']]);
});

test('ASP.NET, Symfony and Flask placeholder syntaxes', () => {
  expectAll(['/customers/{id:int}', '/orders/{id:int:min(1)}', '/archive/{id?}', '/{controller=Home}', '/files/{**path}'], [
    ['/customers/42', '/customers/{id:int}'], ['/orders/7', '/orders/{id:int:min(1)}'], ['/archive/2026', '/archive/{id?}'],
    ['/archive', '/archive/{id?}'], ['/Products', '/{controller=Home}'], ['/files/a/b/c', '/files/{**path}'],
  ]);
  expectAll(['/orders/{id<\\d+>}', '/years/{year<\\d{4}>}'], [['/orders/42', '/orders/{id<\\d+>}'], ['/years/2026', '/years/{year<\\d{4}>}'], ['/orders/42/history', '']]);
  const route = '/files/<path:name>/metadata';
  expectAll([route], [
    ['/files/a/metadata', route], ['/files/a/b/metadata', route], ['/files/a/metadata/b/metadata', route], ['/files/a/b', ''],
    ['/files/a/b/details', ''], ['/files/a/metadata/extra', ''], ['/files/metadata', ''], ['/files', ''],
  ]);
  for (const routes of [['/files/<path:name>', route, '/files'], ['/files', route, '/files/<path:name>']]) {
    expectAll(routes, [
      ['/files', '/files'], ['/files/a/metadata', route], ['/files/a/b/metadata', route], ['/files/a', '/files/<path:name>'],
      ['/files/a/b/details', '/files/<path:name>'], ['/files/metadata', '/files/<path:name>'],
    ]);
  }
});

test('the first declared of two equivalent patterns wins', () => {
  expectAll(['/users/{id}', '/users/:name'], [['/users/7', '/users/{id}']]);
});

test('property: a path built from a pattern matches it; with no patterns nothing matches', () => {
  const seg = fc.stringMatching(/^[a-z0-9]{1,6}$/);
  fc.assert(fc.property(fc.array(fc.tuple(seg, fc.boolean()), { minLength: 1, maxLength: 6 }), (parts) => {
    const pattern = '/' + parts.map(([s, p]) => (p ? ':p' : s)).join('/');
    const path = '/' + parts.map(([s]) => s).join('/');
    assert.equal(new RouteMatcher([pattern]).find(path), pattern);
    assert.equal(new RouteMatcher([]).find(path), '');
  }));
});

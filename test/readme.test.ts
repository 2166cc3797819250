/**
 * The README says what works today: its component tables list exactly the registered components (a new receiver
 * lands with its line; nothing is listed that does not exist), and each links the component's own README.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILTIN_FACTORIES } from '../distribution/builtins.js';

const ROOT = new URL('..', import.meta.url).pathname;
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

test('README component tables = the built-in components, each with its README', () => {
  const listed = [...README.matchAll(/^\| \[(\w+)\]\((receivers|processors|exporters)\/(\w+)\/README\.md\) \|/gm)]
    .map(([, name, folder, dir]) => {
      assert.equal(name, dir, `${name} links its own folder`);
      assert.ok(existsSync(join(ROOT, folder!, dir!, 'README.md')), `${folder}/${dir}/README.md exists`);
      return `${folder!.slice(0, -1)} ${name}`;
    });
  const registered = BUILTIN_FACTORIES.map((f) => `${f.kind} ${f.type}`);
  assert.deepEqual([...listed].sort(), [...registered].sort());
});

test('README names what does not work yet while no receiver produces it', () => {
  const notYet = /\*\*Not yet\*\*:[^]*?go_uprobe/.test(README);
  const produced = BUILTIN_FACTORIES.filter((f) => f.kind === 'receiver').map((f) => f.type);
  // When a Go receiver lands, this test asks for the README's "Not yet" line to change.
  assert.deepEqual(produced.filter((t) => /go_uprobe/.test(t)), []);
  assert.ok(notYet, 'the README has its "Not yet" line');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { validateConfig } from '../src/config/validate.js';
import { formatIssue } from '../src/config/errors.js';
import { createAgent } from '../distribution/agent.js';
import { builtinRegistry } from '../distribution/default-registry.js';
import { hostileYaml } from './support/hostile-yaml.js';

/**
 * Issue #11.3 and #11.8: hostile configuration files end in a positioned error and exit 2, never in a stack trace,
 * a polluted Object.prototype or a flood of output. In-process through validateConfig, then through the real CLI
 * (`node bin/lumen.js validate`, the compiled dist/: build first).
 */
const ROOT = new URL('..', import.meta.url).pathname;
const registry = builtinRegistry();
const dir = mkdtempSync(join(tmpdir(), 'lumen-hostile-'));

function errors(yaml: string): string[] {
  return validateConfig({ yaml, file: 'p.yaml', env: {} }, registry).errors.map(formatIssue);
}

function assertPrototypesClean(): void {
  for (const probe of [{}, [], Object.create(Object.prototype)]) {
    assert.equal((probe as Record<string, unknown>)['format'], undefined, 'Object.prototype was polluted');
  }
  assert.deepEqual(Object.keys(Object.prototype), []);
}

test('__proto__ inside a component config: positioned error, Object.prototype untouched', () => {
  assert.deepEqual(errors(hostileYaml.proto), ['p.yaml:6:5 exporters.print_traces.__proto__: key "__proto__" is not allowed (it names a JavaScript object prototype), remove it']);
  assertPrototypesClean();
});

test('constructor and prototype keys are refused too, at any depth', () => {
  const yaml = 'discovery:\n  instrument:\n    - open_ports: 80\n      constructor: {prototype: {x: 1}}\nservice:\n  pipelines: {}\n';
  assert.deepEqual(errors(yaml), ['p.yaml:4:7 discovery.instrument[0].constructor: key "constructor" is not allowed (it names a JavaScript object prototype), remove it']);
  assertPrototypesClean();
});

test('a library config object carrying an own __proto__ key is refused, not merged', () => {
  const config = JSON.parse('{"exporters":{"print_traces":{"__proto__":{"format":"json"}}},"service":{"pipelines":{}}}') as object;
  assert.throws(() => createAgent({ config, env: {} }), /exporters\.print_traces\.__proto__: key "__proto__" is not allowed/);
  assertPrototypesClean();
});

test('billion laughs, a 2^40 anchor tree and a << merge chain: alias expansion is refused at the first alias', () => {
  assert.deepEqual(errors(hostileYaml.billionLaughs), ['p.yaml:6:14 aliases expand to too many values (more than 100), write the values out instead of nesting aliases']);
  assert.match(errors(hostileYaml.anchorTree(40))[0]!, /^p\.yaml:\d+:\d+ aliases expand to too many values/);
  assert.match(errors(hostileYaml.mergeChain(200))[0]!, /^p\.yaml:\d+:\d+ aliases expand to too many values/);
});

test('3000-level nesting, flow and block: a positioned error, no stack overflow', () => {
  assert.deepEqual(errors(hostileYaml.deepFlow(3000)), ['p.yaml:1:75 nesting deeper than 64 levels, flatten the document (no Lumen option nests that deep)']);
  assert.match(errors(hostileYaml.deepBlock(3000))[0]!, /^p\.yaml:\d+:\d+ nesting deeper than 64 levels/);
  assert.match(errors(hostileYaml.deepFlow(100_000))[0]!, /^p\.yaml:\d+:\d+ (nesting deeper than 64 levels|invalid YAML: nesting too deep)/);
});

test('control characters in keys are escaped, long values cut (#11.8)', () => {
  const [line] = errors(hostileYaml.controlKey);
  assert.equal(line, 'p.yaml:2:3 receivers.\\x1b[2J\\x1b[31mevil\\u202e: invalid receiver id, write <type> or <type>/<name> with a lower_snake_case type');
  const long = errors(`receivers:\n  replay:\n    path: /x\n    pace: "${'A'.repeat(100_000)}"\nservice:\n  pipelines: {}\n`);
  assert.ok(long.every((l) => l.length < 600), `lines too long: ${long.map((l) => l.length).join(', ')}`);
  assert.match(long.join('\n'), /…\(99920 more characters\)/);
});

/** The real CLI on a hostile file: exit 2, the expected positioned line on stderr, no stack trace. */
function cli(name: string, yaml: string | Buffer): { status: number | null; stdout: string; stderr: string } {
  const file = join(dir, name);
  writeFileSync(file, yaml);
  const r = spawnSync(process.execPath, ['bin/lumen.js', 'validate', '-c', file], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  assert.doesNotMatch(r.stderr, /\n\s+at |Error:|node:internal/, `${name}: stack trace on stderr:\n${r.stderr.slice(0, 2000)}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const CLI_ATTACKS: Array<[string, string | (() => string | Buffer), RegExp]> = [
  ['proto.yaml', hostileYaml.proto, /proto\.yaml:6:5 exporters\.print_traces\.__proto__: key "__proto__" is not allowed/],
  ['laughs.yaml', hostileYaml.billionLaughs, /laughs\.yaml:6:14 aliases expand to too many values/],
  ['tree.yaml', () => hostileYaml.anchorTree(40), /tree\.yaml:\d+:\d+ aliases expand to too many values/],
  ['merge.yaml', () => hostileYaml.mergeChain(200), /merge\.yaml:\d+:\d+ aliases expand to too many values/],
  ['deep.yaml', () => hostileYaml.deepFlow(3000), /deep\.yaml:1:75 nesting deeper than 64 levels/],
  ['block.yaml', () => hostileYaml.deepBlock(3000), /block\.yaml:\d+:\d+ nesting deeper than 64 levels/],
  ['ctrl.yaml', hostileYaml.controlKey, /ctrl\.yaml:2:3 receivers\.\\x1b\[2J\\x1b\[31mevil\\u202e: invalid receiver id/],
];

for (const [name, yaml, expected] of CLI_ATTACKS) {
  test(`lumen validate ${name}: exit 2 and a positioned message`, () => {
    const r = cli(name, typeof yaml === 'function' ? yaml() : yaml);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, expected);
    assert.doesNotMatch(r.stderr, /\x1b/, 'a raw escape character reached the terminal');
  });
}

test('lumen validate on 100 KB of random bytes: exit 2, positioned, a few KB of output (was 209 KB)', () => {
  const r = cli('random.yaml', hostileYaml.randomBytes(100_000, 7));
  assert.equal(r.status, 2);
  assert.ok(r.stderr.trim().split('\n').length <= 21);
  assert.ok(r.stderr.length + r.stdout.length < 6000, `${r.stderr.length + r.stdout.length} bytes of output`);
  assert.match(r.stderr, /random\.yaml:\d+:\d+ invalid YAML: /);
});

test('lumen validate on a file with 500 errors: the first 20, then how many more', () => {
  const keys = Array.from({ length: 500 }, (_, i) => `    bad_${i}: 1`).join('\n');
  const r = cli('many.yaml', `receivers:\n  replay:\n    path: /x\n${keys}\nservice:\n  pipelines: {}\n`);
  assert.equal(r.status, 2);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 21);
  assert.match(lines[0]!, /many\.yaml:4:5 receivers\.replay\.bad_0: unknown key/);
  assert.equal(lines[20], '… and 480 more issues (fix the ones above first)');
});

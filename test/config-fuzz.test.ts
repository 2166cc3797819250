import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { createAgent, validateAgentConfig } from '../distribution/agent.js';
import { ConfigError } from '../src/config/errors.js';
import { createLogger } from '../src/telemetry/pino-logger.js';
import { hostileYaml } from './support/hostile-yaml.js';

/**
 * Issue #11.3's property: random and mutated YAML (prototype keys, aliases, deep nesting, binary) fed to what
 * `lumen validate` runs (validateAgentConfig: parse, schema, graph, construction) and to createAgent (never
 * started, so no kernel receiver loads). Every outcome is a valid config or exit-2-style issues (positioned
 * where the input has positions); nothing throws anything but a ConfigError; Object.prototype stays clean.
 */
const ROOT = new URL('..', import.meta.url).pathname;
const quiet = createLogger({ level: 'silent' });
const ENV = { LUMEN_TESTDATA_VAR: 'x' };

/** The default pipelines.yaml and every valid testdata file: the seeds mutations start from. */
function seeds(): string[] {
  const out = [readFileSync(join(ROOT, 'pipelines.yaml'), 'utf8')];
  for (const family of ['receivers', 'processors', 'exporters']) {
    for (const c of readdirSync(join(ROOT, family))) {
      const dir = join(ROOT, family, c, 'testdata');
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir)) if (/^valid-.*\.ya?ml$/.test(f)) out.push(readFileSync(join(dir, f), 'utf8'));
    }
  }
  return out;
}

const HOSTILE_FRAGMENTS = [
  '__proto__: {format: json}', '"__proto__": {format: json}', 'constructor: {prototype: {format: json}}', 'prototype: 1',
  '<<: *a', 'x: &a {format: json}', 'y: *a', '? [a, b]\n  : c', '!!binary aGVsbG8=', '!!js/function "f"', '&a [*a]',
  '{a: 1, a: 2}', '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[', '${HOME}', '${UNSET_FOR_FUZZ}', '$${x}', '"\\e[31m\\u202e"', '\t', '\u0000',
  'shutdown_timeout: "-5s"', 'queue_size: 1000000000000000', 'endpoint: "http://localhost:99999"', 'endpoint: ":19401"',
  'format: json', 'open_ports: 0-70000', '- *a', '---\nx: 1', '...', '%YAML 1.1', '|-\n  text', 'null', '~', '.nan', '0x1F',
];

const seedList = seeds();

/** One mutation of a seed: insert a fragment at a line with some indentation, splice bytes, cut, or nest deep. */
const mutated = fc
  .tuple(
    fc.constantFrom(...seedList),
    fc.array(
      fc.oneof(
        fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), indent: fc.nat({ max: 8 }), text: fc.constantFrom(...HOSTILE_FRAGMENTS) }),
        fc.record({ kind: fc.constant('bytes' as const), at: fc.nat(), data: fc.uint8Array({ maxLength: 40 }) }),
        fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), length: fc.nat({ max: 60 }) }),
        fc.record({ kind: fc.constant('nest' as const), at: fc.nat(), depth: fc.integer({ min: 1, max: 3000 }) }),
      ),
      { minLength: 1, maxLength: 4 },
    ),
  )
  .map(([seed, ops]) => {
    let text = seed;
    for (const op of ops) {
      const at = text.length ? op.at % text.length : 0;
      if (op.kind === 'insert') {
        const lines = text.split('\n');
        lines.splice(op.at % (lines.length + 1), 0, `${' '.repeat(op.indent)}${op.text}`);
        text = lines.join('\n');
      } else if (op.kind === 'bytes') {
        text = text.slice(0, at) + Buffer.from(op.data).toString('latin1') + text.slice(at);
      } else if (op.kind === 'cut') {
        text = text.slice(0, at) + text.slice(at + op.length);
      } else {
        text = `${text.slice(0, at)}${'['.repeat(op.depth)}${']'.repeat(op.depth)}${text.slice(at)}`;
      }
    }
    return text;
  });

const anyInput = fc.oneof(
  { weight: 5, arbitrary: mutated },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b).toString('utf8')) },
  { weight: 1, arbitrary: fc.integer({ min: 2, max: 45 }).map((n) => hostileYaml.anchorTree(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 2, max: 300 }).map((n) => hostileYaml.mergeChain(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 60, max: 5000 }).map((n) => hostileYaml.deepFlow(n)) },
);

function assertPrototypesClean(input: string): void {
  const leaked = Object.keys(Object.prototype).concat(Object.keys(Array.prototype));
  assert.deepEqual(leaked, [], `prototype polluted by:\n${input.slice(0, 500)}`);
  assert.equal(({} as Record<string, unknown>)['format'], undefined);
}

test('fuzz: lumen validate (all four stages) never throws and only answers valid or positioned issues', async () => {
  await fc.assert(
    fc.asyncProperty(anyInput, async (yaml) => {
      const report = await validateAgentConfig({ config: yaml, configPath: 'fuzz.yaml', env: ENV, logger: quiet });
      assertPrototypesClean(yaml);
      if (report.ok) return;
      assert.ok(report.errors.length > 0);
      for (const e of report.errors) {
        assert.equal(e.file, 'fuzz.yaml');
        // Construction errors point at a component key; every earlier stage has the file's positions.
        assert.ok(e.position, `no position: ${JSON.stringify(e)}`);
        assert.ok(e.message.length > 0);
      }
      for (const line of report.lines) assert.doesNotMatch(line, /[\u0000-\u0008\u000b-\u001f\u007f]/, 'raw control character in a message');
    }),
    { numRuns: 300, seed: Number(process.env.LUMEN_FUZZ_SEED ?? 11), endOnFailure: true },
  );
});

test('fuzz: createAgent (constructed, never started) returns an agent or throws a ConfigError, nothing else', async () => {
  await fc.assert(
    fc.asyncProperty(anyInput, async (yaml) => {
      try {
        const agent = createAgent({ config: yaml, configPath: 'fuzz.yaml', env: ENV, logger: quiet });
        await agent.stop();
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        assert.ok(e.issues.length > 0);
      }
      assertPrototypesClean(yaml);
    }),
    { numRuns: 300, seed: Number(process.env.LUMEN_FUZZ_SEED ?? 17), endOnFailure: true },
  );
});

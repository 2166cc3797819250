import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES, LumenError } from '../src/errors/index.js';
import { ConfigError } from '../src/config/errors.js';
import { DurationError } from '../src/config/duration.js';
import { PortRangesError } from '../src/config/port-ranges.js';
import { EnvError } from '../src/config/env.js';
import { StartError } from '../src/engine/lifecycle.js';
import { BpfError } from '../src/bpf/errors.js';
import { ElfError } from '../src/elf/errors.js';
import { CidrError } from '../receivers/network_flow/cidr.js';
import { OtlpSettingsError } from '../exporters/otlp/settings.js';
import { ListenError } from '../exporters/prometheus/server.js';

const ROOT = new URL('..', import.meta.url).pathname;
const table = Object.keys(ERROR_CODES).sort();

/** Source files that can raise an error: the core, the distribution, the components and the native addon; not tests. */
function sources(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'test' && e.name !== 'testdata' && e.name !== 'node_modules') walk(p);
      } else if (/\.(ts|cc|h)$/.test(e.name) && !e.name.endsWith('.test.ts')) out.push(p);
    }
  };
  for (const d of ['src', 'distribution', 'receivers', 'processors', 'exporters', 'native']) walk(join(ROOT, d));
  return out;
}

/** `LUMEN_*` string literals in the source, minus environment variable names (read through env or getenv). */
function codesInSource(): Map<string, string> {
  const found = new Map<string, string>();
  const envNames = new Set<string>();
  for (const file of sources()) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:env\[|getenv\(|env\.)\s*['"]?(LUMEN_[A-Z0-9_]+)/g)) envNames.add(m[1]!);
    for (const m of text.matchAll(/['"](LUMEN_[A-Z0-9_]+)['"]/g)) if (!found.has(m[1]!)) found.set(m[1]!, file.slice(ROOT.length));
  }
  for (const name of envNames) found.delete(name);
  return found;
}

test('docs/errors.md has one section per code of the table, and nothing else', () => {
  const docs = readFileSync(join(ROOT, 'docs/errors.md'), 'utf8');
  const documented = [...docs.matchAll(/^### (LUMEN_[A-Z0-9_]+)$/gm)].map((m) => m[1]!);
  assert.equal(new Set(documented).size, documented.length, 'a code is documented twice');
  assert.deepEqual([...documented].sort(), table);
  for (const code of documented) {
    const body = docs.slice(docs.indexOf(`### ${code}\n`) + code.length + 5).split(/^#/m)[0]!;
    assert.match(body, /\*\*Do:\*\*/, `${code}: says what to do`);
  }
});

test('every code written in the source is in the table, and every code of the table is used', () => {
  const used = codesInSource();
  const unknown = [...used].filter(([code]) => !(code in ERROR_CODES)).map(([code, file]) => `${code} (${file})`);
  assert.deepEqual(unknown, [], 'codes used in the source but missing from src/errors/codes.ts');
  const unused = table.filter((code) => !used.has(code));
  assert.deepEqual(unused, [], 'codes in the table that nothing raises');
});

test('the coded Error classes are LumenErrors with their codes and names', () => {
  const cases: [LumenError, string, string][] = [
    [new ConfigError('schema', []), 'ConfigError', 'LUMEN_CONFIG_INVALID'],
    [new DurationError('x'), 'DurationError', 'LUMEN_INVALID_DURATION'],
    [new PortRangesError('x'), 'PortRangesError', 'LUMEN_INVALID_PORT_RANGES'],
    [new EnvError('x'), 'EnvError', 'LUMEN_ENV_REFERENCE'],
    [new StartError([]), 'StartError', 'LUMEN_START_FAILED'],
    [new BpfError('LUMEN_BPF_LOAD', 'x'), 'BpfError', 'LUMEN_BPF_LOAD'],
    [new ElfError('LUMEN_ELF_IO', '/bin/x', 'gone'), 'ElfError', 'LUMEN_ELF_IO'],
    [new CidrError('x'), 'CidrError', 'LUMEN_INVALID_CIDR'],
    [new OtlpSettingsError('x'), 'OtlpSettingsError', 'LUMEN_OTLP_CONFIG'],
    [new ListenError('LUMEN_ENDPOINT_IN_USE', 'x'), 'ListenError', 'LUMEN_ENDPOINT_IN_USE'],
  ];
  for (const [e, name, code] of cases) {
    assert.ok(e instanceof LumenError && e instanceof Error, name);
    assert.equal(e.name, name);
    assert.equal(e.code, code);
    assert.ok(code in ERROR_CODES, code);
  }
  const cause = new Error('EADDRINUSE');
  const e = new LumenError('LUMEN_ENDPOINT_IN_USE', 'taken', { path: ['endpoint'], cause });
  assert.deepEqual([e.code, e.message, e.path, e.cause], ['LUMEN_ENDPOINT_IN_USE', 'taken', ['endpoint'], cause]);
});

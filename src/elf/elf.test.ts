import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { ElfError, ElfFile, versionedName } from './index.js';

const LIBSSL = '/usr/lib/x86_64-linux-gnu/libssl.so.3';

/** readelf (binutils) is the oracle: name column of --dyn-syms / --syms, without the " (N)" version index. */
function readelfNames(path: string, flag: '--dyn-syms' | '--syms'): string[] {
  const out = execFileSync('readelf', [flag, '-W', path], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const names: string[] = [];
  for (const line of out.split('\n')) {
    const m = /^\s*\d+: [0-9a-f]+\s+\d+ \w+\s+\w+\s+\w+\s+\w+ (.+)$/.exec(line);
    if (m && m[1]) names.push(m[1].replace(/ \(\d+\)$/, ''));
  }
  return names;
}

test('dynsym of libssl.so.3 matches readelf, versions included', async () => {
  const f = await ElfFile.open(LIBSSL);
  try {
    const ours = (await f.symbols('dynsym')).map(versionedName);
    assert.deepEqual(ours, readelfNames(LIBSSL, '--dyn-syms'));
    assert.ok(ours.includes('SSL_read@@OPENSSL_3.0.0'));
  } finally { await f.close(); }
});

test('lookup finds SSL_read/SSL_write(_ex) in libssl with the address nm prints', async () => {
  const nm = execFileSync('nm', ['-D', LIBSSL], { encoding: 'utf8' });
  const f = await ElfFile.open(LIBSSL);
  try {
    const found = await f.lookup(['SSL_read', 'SSL_write', 'SSL_read_ex', 'SSL_write_ex', 'SSL_read@@OPENSSL_3.0.0', 'SSL_read@OPENSSL_9', 'no_such_symbol']);
    for (const n of ['SSL_read', 'SSL_write', 'SSL_read_ex', 'SSL_write_ex']) {
      const s = found.get(n);
      assert.ok(s, n);
      assert.equal(s.type, 'func');
      assert.equal(s.version, 'OPENSSL_3.0.0');
      assert.ok(s.defaultVersion);
      const addr = new RegExp(`^([0-9a-f]+) T ${n}@@`, 'm').exec(nm)?.[1];
      assert.equal(s.value, parseInt(addr ?? 'x', 16), n);
    }
    assert.equal(found.get('SSL_read@@OPENSSL_3.0.0')?.value, found.get('SSL_read')?.value);
    assert.equal(found.has('SSL_read@OPENSSL_9'), false);
    assert.equal(found.has('no_such_symbol'), false);
  } finally { await f.close(); }
});

test('an importer (curl) has SSL_read only as an undefined symbol', async () => {
  const f = await ElfFile.open('/usr/bin/curl');
  try {
    assert.equal((await f.lookup(['SSL_read'])).size, 0, 'curl links libcurl, which imports SSL_read: not an export of curl');
  } finally { await f.close(); }
  const lib = execFileSync('sh', ['-c', "ldd /usr/bin/curl | awk '/libcurl/{print $3}'"], { encoding: 'utf8' }).trim();
  const g = await ElfFile.open(lib);
  try {
    assert.equal((await g.lookup(['SSL_read'])).size, 0);
    const imp = (await g.lookup(['SSL_read'], { definedOnly: false })).get('SSL_read');
    assert.ok(imp);
    assert.equal(imp.sectionIndex, 0);
    assert.equal(versionedName(imp), 'SSL_read@OPENSSL_3.0.0');
  } finally { await g.close(); }
});

test('node exports SSL_read; file offsets follow the PT_LOAD mapping readelf shows', async () => {
  const f = await ElfFile.open(process.execPath);
  try {
    const s = (await f.lookup(['SSL_read'])).get('SSL_read');
    assert.ok(s && s.table === 'dynsym');
    const text = f.section('.text');
    assert.ok(text);
    assert.equal(f.fileOffset(s.value), s.value - text.addr + text.offset);
    assert.equal(f.fileOffset(0x10), undefined);
  } finally { await f.close(); }
});

test('symtab-only and stripped static binaries built here', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lumen-elf-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'a.c'), 'int lumen_probe_me(int x){return x*3;}\nint main(int c,char**v){return lumen_probe_me(c);}\n');
  execFileSync('gcc', ['-O1', '-static', '-o', join(dir, 'a'), join(dir, 'a.c')]);
  execFileSync('strip', ['-s', '-o', join(dir, 'a.stripped'), join(dir, 'a')]);
  const f = await ElfFile.open(join(dir, 'a'));
  try {
    assert.equal(await f.hasTable('dynsym'), false);
    const s = (await f.lookup(['lumen_probe_me'])).get('lumen_probe_me');
    assert.ok(s && s.table === 'symtab' && s.type === 'func' && s.binding === 'global');
    const names = new Set((await f.symbols('symtab')).map((x) => x.name));
    for (const n of readelfNames(join(dir, 'a'), '--syms')) if (n) assert.ok(names.has(n), n);
  } finally { await f.close(); }
  const g = await ElfFile.open(join(dir, 'a.stripped'));
  try {
    assert.equal(await g.hasTable('symtab'), false);
    assert.equal((await g.lookup(['lumen_probe_me', 'main'])).size, 0);
  } finally { await g.close(); }
});

test('bad input: missing file, not ELF, truncated, random corruption → ElfError only', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lumen-elf-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await assert.rejects(ElfFile.open(join(dir, 'nope')), (e: ElfError) => e.code === 'LUMEN_ELF_IO' && e.message.includes('nope'));
  writeFileSync(join(dir, 'text'), '#!/bin/sh\necho hi\n');
  await assert.rejects(ElfFile.open(join(dir, 'text')), (e: ElfError) => e.code === 'LUMEN_ELF_NOT_ELF');
  const lib = readFileSync(LIBSSL);
  writeFileSync(join(dir, 'trunc'), lib.subarray(0, 4096));
  await assert.rejects(ElfFile.open(join(dir, 'trunc')), (e: ElfError) => e.code === 'LUMEN_ELF_MALFORMED' && /truncated|bad range/.test(e.message));
  const head = Buffer.from(lib.subarray(0, 64 * 1024));
  // found by the property below: a zero program header entry size (e_phentsize, byte 54 of an ELF64 header)
  const zeroPhentsize = Buffer.from(head);
  zeroPhentsize.writeUInt16LE(0, 54);
  writeFileSync(join(dir, 'phentsize'), zeroPhentsize);
  await assert.rejects(ElfFile.open(join(dir, 'phentsize')), (e: ElfError) => e.code === 'LUMEN_ELF_MALFORMED' && /program header entries of 0 bytes/.test(e.message));
  await fc.assert(fc.asyncProperty(fc.array(fc.tuple(fc.nat(head.length - 1), fc.nat(255)), { minLength: 1, maxLength: 12 }), async (muts) => {
    const b = Buffer.from(head);
    for (const [at, v] of muts) b[at] = v;
    const p = join(dir, 'fuzz');
    writeFileSync(p, b);
    try {
      const f = await ElfFile.open(p);
      try { await f.lookup(['SSL_read']); await f.symbols('dynsym'); } finally { await f.close(); }
    } catch (e) {
      if (!(e instanceof ElfError)) throw e;
    }
  }), { numRuns: 150 });
});

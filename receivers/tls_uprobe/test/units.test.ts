import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { bpfObjectPath } from '../../../src/bpf/index.js';
import { ElfFile } from '../../../src/elf/index.js';
import { tlsCandidates } from '../candidates.js';
import { findTlsFunctions } from '../functions.js';
import { parseMaps } from '../maps.js';
import { probePlan } from '../plan.js';
import { KEPT_KS_PROGRAMS, objectPrograms } from '../programs.js';
import { DEFAULT_LIBRARIES } from '../config.js';

const LIBSSL = '/usr/lib/x86_64-linux-gnu/libssl.so.3';

const MAPS = `55d0c0a00000-55d0c0a2a000 r--p 00000000 fe:00 339845     /usr/bin/python3.11
55d0c0a2a000-55d0c0c5e000 r-xp 0002a000 fe:00 339845     /usr/bin/python3.11
7f1a2b000000-7f1a2b01f000 r--p 00000000 fe:00 340001     /usr/lib/x86_64-linux-gnu/libssl.so.3
7f1a2b01f000-7f1a2b07c000 r-xp 0001f000 fe:00 340001     /usr/lib/x86_64-linux-gnu/libssl.so.3
7f1a2c000000-7f1a2c001000 r-xp 00000000 fe:00 341234     /opt/app/lib/libssl-8e9a2b3c.so.1.1
7f1a2d000000-7f1a2d001000 r-xp 00000000 fe:00 341235     /opt/app/lib/libsslx.so
7f1a2e000000-7f1a2e001000 r-xp 00000000 fe:00 341236     /tmp/my lib/libssl.so.3 (deleted)
7f1a2f000000-7f1a2f001000 r--p 00000000 fe:00 341237     /usr/lib/x86_64-linux-gnu/libssl.so.1.0.0
7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0          [stack]
7ffd00030000-7ffd00032000 r-xp 00000000 00:00 0          [vdso]
`;

test('maps: distinct files, executable when any mapping is, deleted and anonymous skipped', () => {
  const files = parseMaps(MAPS);
  assert.deepEqual(files.map((f) => [f.path, f.inode, f.executable]), [
    ['/usr/bin/python3.11', 339845, true],
    ['/usr/lib/x86_64-linux-gnu/libssl.so.3', 340001, true],
    ['/opt/app/lib/libssl-8e9a2b3c.so.1.1', 341234, true],
    ['/opt/app/lib/libsslx.so', 341235, true],
    ['/usr/lib/x86_64-linux-gnu/libssl.so.1.0.0', 341237, false],
  ]);
  // the agent's own maps parse, and it maps its own executable
  const own = parseMaps(execFileSync('cat', [`/proc/${process.pid}/maps`], { encoding: 'utf8' }));
  assert.ok(own.some((f) => f.executable && f.path === process.execPath));
});

test('maps: random lines never throw', () => {
  fc.assert(fc.property(fc.array(fc.string({ maxLength: 120 }), { maxLength: 30 }), (lines) => { parseMaps(lines.join('\n')); }), { numRuns: 300 });
});

test('candidates: libssl by base-name glob, the executable when asked, only executable mappings', () => {
  const files = parseMaps(MAPS);
  const c = tlsCandidates(files, '/usr/bin/python3.11', DEFAULT_LIBRARIES, true);
  assert.deepEqual(c.map((x) => [x.file.path, x.role]), [
    ['/usr/bin/python3.11', 'executable'],
    ['/usr/lib/x86_64-linux-gnu/libssl.so.3', 'library'],
    ['/opt/app/lib/libssl-8e9a2b3c.so.1.1', 'library'],
  ]);
  assert.deepEqual(tlsCandidates(files, '/usr/bin/python3.11', DEFAULT_LIBRARIES, false).map((x) => x.role), ['library', 'library']);
});

test('libssl.so.3: exports found; internals are the common first callee of the wrappers, as objdump shows', async () => {
  const f = await findTlsFunctions(LIBSSL, true);
  assert.equal(f.version, 'OPENSSL_3.0.0');
  assert.deepEqual([...f.exports.keys()].sort(), ['SSL_free', 'SSL_read', 'SSL_read_ex', 'SSL_write', 'SSL_write_ex']);
  assert.ok(f.readInternal !== undefined && f.writeInternal !== undefined, f.internalNote);
  // oracle: objdump's disassembly of SSL_read_ex calls the function at readInternal (file offset = vaddr here)
  const nm = execFileSync('nm', ['-D', LIBSSL], { encoding: 'utf8' });
  const at = (n: string) => parseInt(new RegExp(`^([0-9a-f]+) T ${n}@@`, 'm').exec(nm)![1]!, 16);
  for (const [fn, target] of [['SSL_read_ex', f.readInternal], ['SSL_write_ex', f.writeInternal]] as const) {
    const dis = execFileSync('objdump', ['-d', `--start-address=${at(fn)}`, `--stop-address=${at(fn) + 16}`, LIBSSL], { encoding: 'utf8' });
    assert.match(dis, new RegExp(`call\\s+${target!.toString(16)} `), `${fn} calls 0x${target!.toString(16)}`);
  }
  const plan = probePlan(f);
  assert.deepEqual(plan.probed, ['ssl_read_internal', 'ssl_write_internal', 'SSL_free']);
  assert.deepEqual(plan.points.map((p) => `${p.program}${p.retprobe ? '(ret)' : ''}`),
    ['tls_read_ex_enter', 'tls_ret(ret)', 'tls_write_ex_enter', 'tls_ret(ret)', 'tls_free']);
});

test('node: its SSL_read inlines ssl_read_internal, so the exported functions are probed', async () => {
  const f = await findTlsFunctions(process.execPath, true);
  assert.equal(f.readInternal, undefined, f.internalNote);
  assert.match(f.internalNote, /inlined/);
  const plan = probePlan(f);
  assert.deepEqual(plan.probed, ['SSL_read', 'SSL_read_ex', 'SSL_write', 'SSL_write_ex', 'SSL_free']);
  assert.deepEqual(plan.missing, []);
});

test('plan without _ex functions and without anything', () => {
  const exports = new Map([['SSL_read', 100], ['SSL_write', 200]]);
  const p = probePlan({ path: 'x', exports, internalNote: '', version: '', table: 'dynsym', stripped: false, embeddedOpenSsl: '' });
  assert.deepEqual(p.missing, ['SSL_read_ex', 'SSL_write_ex']);
  assert.deepEqual(p.points.map((x) => [x.program, x.offset, x.retprobe]), [
    ['tls_read_enter', 100, false], ['tls_ret', 100, true], ['tls_write_enter', 200, false], ['tls_ret', 200, true],
  ]);
  assert.equal(probePlan({ path: 'x', exports: new Map(), internalNote: '', version: '', table: 'none', stripped: true, embeddedOpenSsl: '' }).points.length, 0);
});

test('tls.bpf.o: no kernel_socket read/write probe (they would parse ciphertext), its connection probes and the TLS socket probes kept', async () => {
  const p = await objectPrograms(bpfObjectPath('tls'));
  for (const k of KEPT_KS_PROGRAMS) assert.ok(p.tracepoints.includes(k), k);
  const elf = await ElfFile.open(bpfObjectPath('tls'));
  const names = (await elf.symbols('symtab')).map((s) => s.name);
  await elf.close();
  for (const n of ['ks_sock_recv', 'ks_sock_send', 'ks_send_start']) assert.ok(!names.includes(n), `${n} is not in tls.bpf.o`);
  assert.ok(!p.disabled.some((n) => n.startsWith('tls_')));
  assert.ok(p.tracepoints.includes('tls_sock_recv') && p.tracepoints.includes('tls_sock_send'));
});

/** Property tests: the /proc, environ, cgroup, ELF and ring-buffer parsers never throw on garbage and stay in range. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseListenLines } from '../proc/listen-table.js';
import { declaredIdentity, parseEnviron, parseResourceAttributes } from '../proc/environ.js';
import { containerIdFromCgroup } from '../proc/container.js';
import { readElfSections } from '../proc/elf.js';
import { decodeBatch, type WatchHandler } from '../watcher-bpf.js';

test('parseListenLines: any text gives only ports 1-65535 and positive inodes', () => {
  fc.assert(fc.property(fc.string({ maxLength: 2000 }), fc.array(fc.tuple(fc.nat(0xffff), fc.nat(), fc.constantFrom('0A', '01', '06')), { maxLength: 20 }), (junk, rows) => {
    const text = ['header', ...rows.map(([p, i, st], n) => `${n}: 0100007F:${p.toString(16).toUpperCase().padStart(4, '0')} 00000000:0000 ${st} 0:0 0:0 0 0 0 ${i} 1`), junk].join('\n');
    const out = new Map<number, number>();
    parseListenLines(text, out);
    for (const [inode, port] of out) assert.ok(inode > 0 && port >= 1 && port <= 0xffff);
    for (const [p, i, st] of rows) if (st === '0A' && p > 0 && i > 0) assert.ok(out.has(i));
  }));
});

test('environ and resource attributes: no throw, names never start with $ and are never empty', () => {
  fc.assert(fc.property(fc.string({ maxLength: 500 }), fc.string({ maxLength: 200 }), (raw, attrs) => {
    const id = declaredIdentity(parseEnviron(`${raw}\0OTEL_RESOURCE_ATTRIBUTES=${attrs}`));
    if (id.name !== undefined) assert.ok(id.name !== '' && !id.name.startsWith('$'));
    assert.equal('service.name' in id.attributes, false);
    parseResourceAttributes(attrs);
  }));
});

test('container ids are 64 lowercase hex digits or nothing', () => {
  fc.assert(fc.property(fc.string({ maxLength: 400 }), fc.option(fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 })), (junk, id) => {
    const text = id ? `${junk}\n0::/system.slice/docker-${id}.scope` : junk;
    const got = containerIdFromCgroup(text);
    if (got !== undefined) assert.match(got, /^[0-9a-f]{64}$/);
    if (id && !/\n/.test(junk) && got === undefined) assert.fail(`missed ${id}`);
  }));
});

test('readElfSections survives garbage and truncated ELF files', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lumen-disc-elf-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const real = readFileSync('/usr/bin/true');
  assert.ok(readElfSections('/usr/bin/true')?.names.has('.text'));
  const file = join(dir, 'f');
  fc.assert(fc.property(fc.nat(real.length), fc.uint8Array({ maxLength: 256 }), fc.nat(4096), (cut, noise, at) => {
    const b = Buffer.concat([real.subarray(0, cut)]);
    if (b.length > 0) Buffer.from(noise).copy(b, Math.min(at, b.length - 1));
    writeFileSync(file, b);
    readElfSections(file); // must not throw
  }), { numRuns: 300 });
  assert.equal(readElfSections(join(dir, 'missing')), undefined);
});

test('decodeBatch: truncated and garbage frames are skipped, valid ones decoded', () => {
  const seen: string[] = [];
  const h: WatchHandler = {
    exec: (p) => seen.push(`exec ${p}`), exit: (p) => seen.push(`exit ${p}`), fork: (p, pp) => seen.push(`fork ${p}<${pp}`),
    listen: (p, port) => seen.push(`listen ${p}:${port}`), lost: () => seen.push('lost'),
  };
  const frame = (type: number, pid: number, ppid: number, port: number) => {
    const b = Buffer.alloc(20);
    b.writeUInt32LE(16, 0); b.writeUInt32LE(type, 4); b.writeUInt32LE(pid, 8); b.writeUInt32LE(ppid, 12); b.writeUInt16LE(port, 16);
    return b;
  };
  decodeBatch(Buffer.concat([frame(1, 10, 1, 0), frame(3, 11, 10, 0), frame(4, 11, 0, 8080), frame(9, 1, 1, 1), frame(2, 10, 0, 0), frame(1, 12, 0, 0).subarray(0, 13)]), h);
  assert.deepEqual(seen, ['exec 10', 'fork 11<10', 'listen 11:8080', 'exit 10']);
  fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => { decodeBatch(Buffer.from(bytes), h); }));
});

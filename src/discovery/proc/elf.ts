import { closeSync, openSync, readSync } from 'node:fs';

/** The section table of an ELF file, enough to tell how a binary was built. */
export interface ElfSections {
  readonly names: ReadonlySet<string>;
  /** File offset and size of a section by name. */
  readonly byName: ReadonlyMap<string, { offset: number; size: number }>;
}

const MAX_SECTIONS = 4096;

/** Reads the section headers of an ELF file (path or /proc/PID/exe). Undefined when it is not ELF or unreadable. */
export function readElfSections(path: string): ElfSections | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const h = read(fd, 0, 64);
    if (h.length < 52 || h.readUInt32BE(0) !== 0x7f454c46) return undefined; // "\x7fELF"
    const is64 = h[4] === 2;
    const le = h[5] === 1;
    const u16 = (b: Buffer, o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const u32 = (b: Buffer, o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const addr = (b: Buffer, o: number) => (is64 ? Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o)) : u32(b, o));
    const shoff = addr(h, is64 ? 0x28 : 0x20);
    const shentsize = u16(h, is64 ? 0x3a : 0x2e);
    const shnum = u16(h, is64 ? 0x3c : 0x30);
    const shstrndx = u16(h, is64 ? 0x3e : 0x32);
    if (shoff === 0 || shnum === 0 || shnum > MAX_SECTIONS || shstrndx >= shnum) return undefined;
    const table = read(fd, shoff, shentsize * shnum);
    if (table.length < shentsize * shnum) return undefined;
    const sec = (i: number) => {
      const o = i * shentsize;
      return { name: u32(table, o), offset: addr(table, o + (is64 ? 0x18 : 0x10)), size: addr(table, o + (is64 ? 0x20 : 0x14)) };
    };
    const strtab = sec(shstrndx);
    const strings = read(fd, strtab.offset, Math.min(strtab.size, 1 << 20));
    const byName = new Map<string, { offset: number; size: number }>();
    for (let i = 1; i < shnum; i++) {
      const s = sec(i);
      const end = strings.indexOf(0, s.name);
      if (s.name >= strings.length || end < 0) continue;
      byName.set(strings.toString('latin1', s.name, end), { offset: s.offset, size: s.size });
    }
    return { names: new Set(byName.keys()), byName };
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** True when `needle` occurs in the given section (read in chunks, at most `limit` bytes). */
export function sectionContains(path: string, section: { offset: number; size: number }, needle: Buffer, limit = 64 << 20): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    const chunk = 1 << 20;
    const end = section.offset + Math.min(section.size, limit);
    for (let pos = section.offset; pos < end; pos += chunk - needle.length) {
      const b = read(fd, pos, Math.min(chunk, end - pos));
      if (b.indexOf(needle) >= 0) return true;
      if (b.length < chunk) break;
    }
    return false;
  } finally {
    closeSync(fd);
  }
}

function read(fd: number, position: number, length: number): Buffer {
  const b = Buffer.allocUnsafe(length);
  const n = readSync(fd, b, 0, length, position);
  return n === length ? b : b.subarray(0, n);
}

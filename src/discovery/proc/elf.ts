import { closeSync, openSync, readSync } from 'node:fs';
import { parseHeader, parseSectionHeaders } from '../../elf/header.js';

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
    // The header and section-table layouts are src/elf's; discovery only needs them synchronously.
    const id = parseHeader(path, read(fd, 0, 64));
    if (id.shoff === 0 || id.shnum === 0 || id.shnum > MAX_SECTIONS || id.shstrndx >= id.shnum) return undefined;
    const table = read(fd, id.shoff, id.shentsize * id.shnum);
    if (table.length < id.shentsize * id.shnum) return undefined;
    const sections = parseSectionHeaders(id.fields, table, id.shnum, id.shentsize);
    const strtab = sections[id.shstrndx]!;
    const strings = read(fd, strtab.offset, Math.min(strtab.size, 1 << 20));
    const byName = new Map<string, { offset: number; size: number }>();
    for (const sec of sections.slice(1)) {
      const end = strings.indexOf(0, sec.nameOffset);
      if (sec.nameOffset >= strings.length || end < 0) continue;
      byName.set(strings.toString('latin1', sec.nameOffset, end), { offset: sec.offset, size: sec.size });
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

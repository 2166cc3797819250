import { ElfError } from './errors.js';
import type { ElfHeader, ElfSection, ElfSegment } from './types.js';

/** Reads integers of one ELF file's class and byte order from a Buffer. */
export class FieldReader {
  constructor(readonly is64: boolean, readonly le: boolean) {}
  u8(b: Buffer, o: number): number { return b.readUInt8(o); }
  u16(b: Buffer, o: number): number { return this.le ? b.readUInt16LE(o) : b.readUInt16BE(o); }
  u32(b: Buffer, o: number): number { return this.le ? b.readUInt32LE(o) : b.readUInt32BE(o); }
  u64(b: Buffer, o: number): number {
    const v = this.le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o);
    return Number(v);
  }
  /** An address/offset/size field: 8 bytes in ELF64, 4 in ELF32. */
  word(b: Buffer, o: number): number { return this.is64 ? this.u64(b, o) : this.u32(b, o); }
}

export interface ParsedIdent {
  readonly header: ElfHeader;
  readonly fields: FieldReader;
  readonly shoff: number;
  readonly shentsize: number;
  readonly shnum: number;
  readonly shstrndx: number;
  readonly phoff: number;
  readonly phentsize: number;
  readonly phnum: number;
}

/** Parses the ELF file header from the first 64 bytes (fewer is an error). */
export function parseHeader(path: string, b: Buffer): ParsedIdent {
  if (b.length < 16 || b[0] !== 0x7f || b[1] !== 0x45 || b[2] !== 0x4c || b[3] !== 0x46) {
    throw new ElfError('LUMEN_ELF_NOT_ELF', path, 'not an ELF file (no \\x7fELF magic)');
  }
  const cls = b[4], data = b[5];
  if ((cls !== 1 && cls !== 2) || (data !== 1 && data !== 2)) {
    throw new ElfError('LUMEN_ELF_UNSUPPORTED', path, `unsupported ELF class ${cls} / data encoding ${data}; 32/64-bit LSB/MSB are supported`);
  }
  const is64 = cls === 2;
  if (b.length < (is64 ? 64 : 52)) throw new ElfError('LUMEN_ELF_MALFORMED', path, 'truncated ELF header');
  const f = new FieldReader(is64, data === 1);
  const header: ElfHeader = {
    class: is64 ? 64 : 32, littleEndian: f.le, type: f.u16(b, 16), machine: f.u16(b, 18), entry: f.word(b, 24),
  };
  const at = is64 ? { ph: 32, sh: 40, rest: 52 } : { ph: 28, sh: 32, rest: 40 };
  const id: ParsedIdent = {
    header, fields: f,
    phoff: f.word(b, at.ph), shoff: f.word(b, at.sh),
    phentsize: f.u16(b, at.rest + 2), phnum: f.u16(b, at.rest + 4),
    shentsize: f.u16(b, at.rest + 6), shnum: f.u16(b, at.rest + 8), shstrndx: f.u16(b, at.rest + 10),
  };
  // Entries smaller than the structures they hold would make the table parsers read past their buffers.
  const min = is64 ? { ph: 56, sh: 64 } : { ph: 32, sh: 40 };
  if (id.phnum && id.phentsize < min.ph) {
    throw new ElfError('LUMEN_ELF_MALFORMED', path, `program header entries of ${id.phentsize} bytes (at least ${min.ph})`);
  }
  if (id.shnum && id.shentsize < min.sh) {
    throw new ElfError('LUMEN_ELF_MALFORMED', path, `section header entries of ${id.shentsize} bytes (at least ${min.sh})`);
  }
  return id;
}

/** Section headers without names (names need .shstrtab, resolved by the caller). */
export function parseSectionHeaders(f: FieldReader, b: Buffer, count: number, entsize: number): Array<Omit<ElfSection, 'name'> & { nameOffset: number }> {
  const out = [];
  for (let i = 0; i < count; i++) {
    const o = i * entsize;
    if (f.is64) {
      out.push({ index: i, nameOffset: f.u32(b, o), type: f.u32(b, o + 4), flags: f.u64(b, o + 8), addr: f.u64(b, o + 16),
        offset: f.u64(b, o + 24), size: f.u64(b, o + 32), link: f.u32(b, o + 40), info: f.u32(b, o + 44), entsize: f.u64(b, o + 56) });
    } else {
      out.push({ index: i, nameOffset: f.u32(b, o), type: f.u32(b, o + 4), flags: f.u32(b, o + 8), addr: f.u32(b, o + 12),
        offset: f.u32(b, o + 16), size: f.u32(b, o + 20), link: f.u32(b, o + 24), info: f.u32(b, o + 28), entsize: f.u32(b, o + 36) });
    }
  }
  return out;
}

export function parseProgramHeaders(f: FieldReader, b: Buffer, count: number, entsize: number): ElfSegment[] {
  const out: ElfSegment[] = [];
  for (let i = 0; i < count; i++) {
    const o = i * entsize;
    if (f.is64) {
      out.push({ type: f.u32(b, o), flags: f.u32(b, o + 4), offset: f.u64(b, o + 8), vaddr: f.u64(b, o + 16),
        filesz: f.u64(b, o + 32), memsz: f.u64(b, o + 40) });
    } else {
      out.push({ type: f.u32(b, o), offset: f.u32(b, o + 4), vaddr: f.u32(b, o + 8), filesz: f.u32(b, o + 16),
        memsz: f.u32(b, o + 20), flags: f.u32(b, o + 24) });
    }
  }
  return out;
}

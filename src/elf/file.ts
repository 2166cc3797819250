import { open, type FileHandle } from 'node:fs/promises';
import { ElfError } from './errors.js';
import { parseHeader, parseProgramHeaders, parseSectionHeaders, type ParsedIdent } from './header.js';
import { parseVersionNames, scanSymbols, type SymbolTableData } from './symbols.js';
import {
  PT_LOAD, SHT_DYNSYM, SHT_GNU_VERDEF, SHT_GNU_VERNEED, SHT_GNU_VERSYM, SHT_NOBITS, SHT_SYMTAB,
  type ElfHeader, type ElfSection, type ElfSegment, type ElfSymbol,
} from './types.js';

/** Sections larger than this are refused (a corrupt header must not make us allocate gigabytes). */
const MAX_SECTION_BYTES = 512 * 1024 * 1024;

export interface LookupOptions {
  /** Which tables to search, in order (default both: dynsym, then symtab). */
  tables?: ReadonlyArray<'dynsym' | 'symtab'>;
  /** Skip undefined (imported) symbols (default true). */
  definedOnly?: boolean;
}

/**
 * A small ELF reader: headers, sections, segments, symbols with GNU versions, virtual address → file
 * offset. Reads only the parts asked for, with positional reads (a 100 MB binary is never loaded whole).
 */
export class ElfFile {
  private readonly tables = new Map<string, SymbolTableData | null>();

  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    /** File size in bytes. */
    readonly size: number,
    private readonly id: ParsedIdent,
    readonly sections: readonly ElfSection[],
    readonly segments: readonly ElfSegment[],
  ) {}

  static async open(path: string): Promise<ElfFile> {
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (e) {
      throw new ElfError('LUMEN_ELF_IO', path, `cannot open: ${(e as Error).message}`);
    }
    try {
      const size = (await fh.stat()).size;
      const head = await readAt(fh, path, 0, Math.min(64, size), size);
      const id = parseHeader(path, head);
      const segments = id.phnum ? parseProgramHeaders(id.fields, await readAt(fh, path, id.phoff, id.phnum * id.phentsize, size), id.phnum, id.phentsize) : [];
      const raw = id.shnum ? parseSectionHeaders(id.fields, await readAt(fh, path, id.shoff, id.shnum * id.shentsize, size), id.shnum, id.shentsize) : [];
      const shstr = raw[id.shstrndx];
      const names = shstr && shstr.type !== SHT_NOBITS ? await readAt(fh, path, shstr.offset, shstr.size, size) : Buffer.alloc(0);
      const sections = raw.map(({ nameOffset, ...s }) => ({ ...s, name: cstr(names, nameOffset) }));
      return new ElfFile(path, fh, size, id, sections, segments);
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  get header(): ElfHeader { return this.id.header; }

  section(name: string): ElfSection | undefined {
    return this.sections.find((s) => s.name === name);
  }

  /** Raw bytes of a section (empty for SHT_NOBITS such as .bss). */
  async sectionData(s: ElfSection): Promise<Buffer> {
    if (s.type === SHT_NOBITS) return Buffer.alloc(0);
    return this.read(s.offset, s.size);
  }

  /** Bytes at a file offset. */
  async read(offset: number, length: number): Promise<Buffer> {
    return readAt(this.fh, this.path, offset, length, this.size);
  }

  /** File offset of a virtual address inside a PT_LOAD segment (what a uprobe needs), or undefined. */
  fileOffset(vaddr: number): number | undefined {
    for (const p of this.segments) {
      if (p.type === PT_LOAD && vaddr >= p.vaddr && vaddr < p.vaddr + p.filesz) return vaddr - p.vaddr + p.offset;
    }
    return undefined;
  }

  /** True when the file has a table of that kind with at least one symbol. */
  async hasTable(table: 'dynsym' | 'symtab'): Promise<boolean> {
    return (await this.table(table)) !== null;
  }

  /**
   * Finds symbols by name. A plain name matches any version (the default version preferred); a name with
   * `@@VER` or `@VER` matches that version only. Returns requested name → symbol, absent when not found.
   */
  async lookup(names: Iterable<string>, opts: LookupOptions = {}): Promise<Map<string, ElfSymbol>> {
    const wanted = new Map<string, Array<{ key: string; version?: string }>>();
    for (const key of names) {
      const at = key.indexOf('@');
      const bare = at < 0 ? key : key.slice(0, at);
      const version = at < 0 ? undefined : key.slice(key.lastIndexOf('@') + 1);
      const list = wanted.get(bare) ?? [];
      list.push(version === undefined ? { key } : { key, version });
      wanted.set(bare, list);
    }
    const lengths = new Set([...wanted.keys()].map((n) => Buffer.byteLength(n, 'latin1')));
    const found = new Map<string, ElfSymbol>();
    for (const tname of opts.tables ?? ['dynsym', 'symtab']) {
      const t = await this.table(tname);
      if (!t) continue;
      scanSymbols(this.id.fields, t, (s) => {
        if ((opts.definedOnly ?? true) && s.sectionIndex === 0) return;
        for (const w of wanted.get(s.name) ?? []) {
          if (w.version !== undefined && w.version !== s.version) continue;
          const prev = found.get(w.key);
          if (!prev || rank(s) > rank(prev)) found.set(w.key, s);
        }
      }, (n) => wanted.has(n), lengths);
    }
    return found;
  }

  /** Every symbol of a table (decodes every name: use lookup() for a few names). */
  async symbols(table: 'dynsym' | 'symtab'): Promise<ElfSymbol[]> {
    const t = await this.table(table);
    const out: ElfSymbol[] = [];
    if (t) scanSymbols(this.id.fields, t, (s) => out.push(s));
    return out;
  }

  async close(): Promise<void> {
    await this.fh.close().catch(() => undefined);
  }

  private async table(name: 'dynsym' | 'symtab'): Promise<SymbolTableData | null> {
    if (this.tables.has(name)) return this.tables.get(name) ?? null;
    const type = name === 'dynsym' ? SHT_DYNSYM : SHT_SYMTAB;
    const sec = this.sections.find((s) => s.type === type);
    const strSec = sec ? this.sections[sec.link] : undefined;
    let data: SymbolTableData | null = null;
    if (sec && strSec && sec.size > 0) {
      const strtab = await this.sectionData(strSec);
      let versym: Buffer | undefined, versionNames: Map<number, string> | undefined;
      if (name === 'dynsym') {
        const vs = this.sections.find((s) => s.type === SHT_GNU_VERSYM);
        const vd = this.sections.find((s) => s.type === SHT_GNU_VERDEF);
        const vn = this.sections.find((s) => s.type === SHT_GNU_VERNEED);
        if (vs) {
          versym = await this.sectionData(vs);
          versionNames = parseVersionNames(this.id.fields, strtab, vd && await this.sectionData(vd), vn && await this.sectionData(vn));
        }
      }
      const entsize = sec.entsize || (this.id.fields.is64 ? 24 : 16);
      data = { table: name, syms: await this.sectionData(sec), entsize, strtab,
        ...(versym ? { versym } : {}), ...(versionNames ? { versionNames } : {}) };
    }
    this.tables.set(name, data);
    return data;
  }
}

/** Prefer defined, default-versioned, global functions. */
function rank(s: ElfSymbol): number {
  return (s.sectionIndex !== 0 ? 8 : 0) + (s.defaultVersion || !s.version ? 4 : 0)
    + (s.binding === 'global' ? 2 : s.binding === 'weak' ? 1 : 0) + (s.type === 'func' ? 1 : 0);
}

function cstr(b: Buffer, off: number): string {
  if (off >= b.length) return '';
  const end = b.indexOf(0, off);
  return b.toString('latin1', off, end < 0 ? b.length : end);
}

async function readAt(fh: FileHandle, path: string, offset: number, length: number, fileSize: number): Promise<Buffer> {
  if (length < 0 || length > MAX_SECTION_BYTES || offset < 0 || offset + length > fileSize) {
    throw new ElfError('LUMEN_ELF_MALFORMED', path, `bad range: ${length} bytes at offset ${offset}`);
  }
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, offset + done);
    if (bytesRead === 0) throw new ElfError('LUMEN_ELF_MALFORMED', path, `truncated: wanted ${length} bytes at offset ${offset}, file ends first`);
    done += bytesRead;
  }
  return buf;
}

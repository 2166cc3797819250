import type { FieldReader } from './header.js';
import type { ElfSymbol, SymbolBinding, SymbolType } from './types.js';

const TYPES: SymbolType[] = ['notype', 'object', 'func', 'section', 'file', 'other', 'tls'];
const BINDS: SymbolBinding[] = ['local', 'global', 'weak'];

function symType(t: number): SymbolType {
  if (t === 10) return 'ifunc';
  return TYPES[t] ?? 'other';
}
function symBind(b: number): SymbolBinding {
  if (b === 10) return 'unique';
  return BINDS[b] ?? 'other';
}

export interface SymbolTableData {
  readonly table: 'dynsym' | 'symtab';
  readonly syms: Buffer;
  readonly entsize: number;
  readonly strtab: Buffer;
  /** .gnu.version (one u16 per dynsym entry), when present. */
  readonly versym?: Buffer;
  /** Version index → name, from .gnu.version_d and .gnu.version_r. */
  readonly versionNames?: ReadonlyMap<number, string>;
}

function cString(buf: Buffer, off: number): string {
  if (off >= buf.length) return '';
  let end = buf.indexOf(0, off);
  if (end < 0) end = buf.length;
  return buf.toString('latin1', off, end);
}

/** Version index → name from the verdef and verneed chains (both name strings live in the linked .dynstr). */
export function parseVersionNames(f: FieldReader, strtab: Buffer, verdef?: Buffer, verneed?: Buffer): Map<number, string> {
  const names = new Map<number, string>();
  for (let o = 0, guard = 0; verdef && o + 20 <= verdef.length && guard < 4096; guard++) {
    const flags = f.u16(verdef, o + 2), ndx = f.u16(verdef, o + 4), aux = f.u32(verdef, o + 12), next = f.u32(verdef, o + 16);
    if (!(flags & 1) && o + aux + 8 <= verdef.length) names.set(ndx, cString(strtab, f.u32(verdef, o + aux)));
    if (next === 0) break;
    o += next;
  }
  for (let o = 0, guard = 0; verneed && o + 16 <= verneed.length && guard < 4096; guard++) {
    const cnt = f.u16(verneed, o + 2), aux = f.u32(verneed, o + 8), next = f.u32(verneed, o + 12);
    for (let a = o + aux, i = 0; i < cnt && a + 16 <= verneed.length; i++) {
      names.set(f.u16(verneed, a + 6), cString(strtab, f.u32(verneed, a + 8)));
      const an = f.u32(verneed, a + 12);
      if (an === 0) break;
      a += an;
    }
    if (next === 0) break;
    o += next;
  }
  return names;
}

/**
 * Walks a symbol table, calling `visit` for symbols whose bare name passes `want` (all when absent).
 * Names are decoded only for candidates, so looking up a few names in a 200k-symbol table is cheap.
 */
export function scanSymbols(f: FieldReader, t: SymbolTableData, visit: (s: ElfSymbol) => void, want?: (name: string) => boolean, wantLengths?: ReadonlySet<number>): void {
  const n = t.entsize > 0 ? Math.floor(t.syms.length / t.entsize) : 0;
  for (let i = 1; i < n; i++) {
    const o = i * t.entsize;
    const nameOff = f.u32(t.syms, o);
    if (nameOff === 0 || nameOff >= t.strtab.length) continue;
    if (wantLengths) {
      let end = t.strtab.indexOf(0, nameOff);
      if (end < 0) end = t.strtab.length;
      if (!wantLengths.has(end - nameOff)) continue;
    }
    const name = cString(t.strtab, nameOff);
    if (want && !want(name)) continue;
    const info = f.is64 ? f.u8(t.syms, o + 4) : f.u8(t.syms, o + 12);
    const shndx = f.is64 ? f.u16(t.syms, o + 6) : f.u16(t.syms, o + 14);
    const value = f.is64 ? f.u64(t.syms, o + 8) : f.u32(t.syms, o + 4);
    const size = f.is64 ? f.u64(t.syms, o + 16) : f.u32(t.syms, o + 8);
    let version = '', defaultVersion = false;
    if (t.versym && (i * 2 + 2) <= t.versym.length) {
      const vs = f.u16(t.versym, i * 2);
      const idx = vs & 0x7fff;
      if (idx > 1) {
        version = t.versionNames?.get(idx) ?? '';
        defaultVersion = (vs & 0x8000) === 0 && shndx !== 0;
      }
    }
    visit({ name, version, defaultVersion, value, size, type: symType(info & 0xf), binding: symBind(info >> 4),
      sectionIndex: shndx, table: t.table });
  }
}

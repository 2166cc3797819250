/** Parsed structures of an ELF file (32/64-bit, either byte order). Addresses are numbers: < 2^53 in practice. */

export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_NOBITS = 8;
export const SHT_DYNSYM = 11;
export const SHT_GNU_VERDEF = 0x6ffffffd;
export const SHT_GNU_VERNEED = 0x6ffffffe;
export const SHT_GNU_VERSYM = 0x6fffffff;
export const PT_LOAD = 1;
export const ET_EXEC = 2;
export const ET_DYN = 3;

export interface ElfHeader {
  readonly class: 32 | 64;
  readonly littleEndian: boolean;
  /** ET_EXEC, ET_DYN, … */
  readonly type: number;
  /** e_machine: 62 = x86-64, 183 = aarch64. */
  readonly machine: number;
  readonly entry: number;
}

export interface ElfSection {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  readonly addr: number;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly entsize: number;
}

export interface ElfSegment {
  readonly type: number;
  readonly flags: number;
  readonly offset: number;
  readonly vaddr: number;
  readonly filesz: number;
  readonly memsz: number;
}

export type SymbolType = 'notype' | 'object' | 'func' | 'section' | 'file' | 'tls' | 'ifunc' | 'other';
export type SymbolBinding = 'local' | 'global' | 'weak' | 'unique' | 'other';

export interface ElfSymbol {
  /** Bare name, without any version suffix. */
  readonly name: string;
  /** GNU symbol version (e.g. "OPENSSL_3.0.0"), '' when unversioned. */
  readonly version: string;
  /** True for the default version (`name@@ver`), false for a hidden one (`name@ver`). */
  readonly defaultVersion: boolean;
  readonly value: number;
  readonly size: number;
  readonly type: SymbolType;
  readonly binding: SymbolBinding;
  /** Section index; 0 (SHN_UNDEF) for imported symbols. */
  readonly sectionIndex: number;
  readonly table: 'dynsym' | 'symtab';
}

/** `name@@ver` / `name@ver` / `name`, as nm and readelf print it. */
export function versionedName(sym: ElfSymbol): string {
  // The version-definition symbol itself (name === version) is printed bare, as binutils does.
  if (!sym.version || sym.version === sym.name) return sym.name;
  return `${sym.name}${sym.defaultVersion ? '@@' : '@'}${sym.version}`;
}

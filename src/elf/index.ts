export { ElfFile, type LookupOptions } from './file.js';
export { ElfError, type ElfErrorCode } from './errors.js';
export { versionedName, ET_DYN, ET_EXEC, PT_LOAD } from './types.js';
export type { ElfHeader, ElfSection, ElfSegment, ElfSymbol, SymbolBinding, SymbolType } from './types.js';

import { ElfFile, type ElfSymbol } from '../../src/elf/index.js';
import { firstDirectBranch, inExecutableSegment } from './internal.js';

export const TLS_EXPORTS = ['SSL_read', 'SSL_read_ex', 'SSL_write', 'SSL_write_ex', 'SSL_free', 'SSL_write_ex2'] as const;
const INTERNAL = ['ssl_read_internal', 'ssl_write_internal'] as const;

/** What one binary offers for TLS capture. Offsets are file offsets (what a uprobe takes). */
export interface TlsFunctions {
  readonly path: string;
  /** Exported (or, for static executables, symtab) OpenSSL functions found, name → file offset. */
  readonly exports: ReadonlyMap<string, number>;
  /** OpenSSL's internal read/write (reached by SSL_read*, SSL_write* and BIO_f_ssl alike), when identified. */
  readonly readInternal?: number;
  readonly writeInternal?: number;
  /** How the internals were identified, or why not (for the log line). */
  readonly internalNote: string;
  /** Symbol version of SSL_read (e.g. OPENSSL_3.0.0), '' when unversioned. */
  readonly version: string;
  /** Which table the symbols came from. */
  readonly table: 'dynsym' | 'symtab' | 'none';
  /** True when the file has no .symtab (and so no symbols beyond its exports). */
  readonly stripped: boolean;
  /**
   * For a binary without TLS symbols and without .symtab: the OpenSSL version string found in its read-only
   * data ("OpenSSL 3.0.13 30 Jan 2024"), i.e. OpenSSL linked in statically but stripped; '' otherwise.
   */
  readonly embeddedOpenSsl: string;
}

/** Read-only data larger than this is not searched for an OpenSSL version string. */
const MAX_RODATA_SCAN = 64 * 1024 * 1024;

/**
 * Looks up the OpenSSL entry points of a library or executable. With `internals`, also identifies
 * ssl_read_internal/ssl_write_internal — by name when the symbol table has them (Node.js), else as the
 * common direct call target of SSL_read and SSL_read_ex (SSL_write and SSL_write_ex) — so that programs
 * using BIO_f_ssl (openssl s_server) are seen too. The internal write is skipped when SSL_write_ex2
 * exists (OpenSSL ≥ 3.3 added a flags argument to it).
 */
export async function findTlsFunctions(path: string, internals: boolean): Promise<TlsFunctions> {
  const elf = await ElfFile.open(path);
  try {
    const hasSym = await elf.hasTable('symtab');
    let found = await elf.lookup([...TLS_EXPORTS], { tables: ['dynsym'] });
    let table: TlsFunctions['table'] = found.size ? 'dynsym' : 'none';
    if (!found.has('SSL_read') && !found.has('SSL_read_ex') && hasSym) {
      found = await elf.lookup([...TLS_EXPORTS, ...INTERNAL], { tables: ['symtab'] });
      table = found.size ? 'symtab' : 'none';
    } else if (internals && hasSym) {
      for (const [k, v] of await elf.lookup([...INTERNAL], { tables: ['symtab'] })) found.set(k, v);
    }
    if (internals && table === 'dynsym') {
      for (const [k, v] of await elf.lookup([...INTERNAL], { tables: ['dynsym'] })) if (!found.has(k)) found.set(k, v);
    }
    const exports = new Map<string, number>();
    for (const name of TLS_EXPORTS) {
      const s = found.get(name);
      const off = s && s.type !== 'object' ? elf.fileOffset(s.value) : undefined;
      if (off !== undefined) exports.set(name, off);
    }
    let readInternal: number | undefined, writeInternal: number | undefined, internalNote = 'internal probes off';
    if (internals && (exports.has('SSL_read') || exports.has('SSL_read_ex'))) {
      const r = await resolveInternal(elf, found, 'ssl_read_internal', 'SSL_read', 'SSL_read_ex');
      const w = exports.has('SSL_write_ex2')
        ? { note: 'ssl_write_internal not probed: SSL_write_ex2 exists (OpenSSL >= 3.3 changed its arguments)' }
        : await resolveInternal(elf, found, 'ssl_write_internal', 'SSL_write', 'SSL_write_ex');
      readInternal = r.offset;
      writeInternal = w.offset;
      internalNote = `${r.note}; ${w.note}`;
    }
    const ver = found.get('SSL_read') ?? found.get('SSL_read_ex');
    const embeddedOpenSsl = !exports.size && !hasSym ? await openSslVersionString(elf) : '';
    return {
      path, exports, internalNote, version: ver?.version ?? '', table, stripped: !hasSym, embeddedOpenSsl,
      ...(readInternal !== undefined ? { readInternal } : {}), ...(writeInternal !== undefined ? { writeInternal } : {}),
    };
  } finally {
    await elf.close();
  }
}

/**
 * OpenSSL's internal read (write) is the function SSL_read and SSL_read_ex both call first. It is accepted
 * only when that common callee lies in .text and is either the function named `name` (when the symbol table
 * has it: if the wrappers inlined it, their first call is something else and we fall back to the exports)
 * or, without that symbol, not an exported function (PLT stubs and exported helpers are refused).
 */
async function resolveInternal(elf: ElfFile, found: Map<string, ElfSymbol>, name: string, plain: string, ex: string): Promise<{ offset?: number; note: string }> {
  const p = found.get(plain), e = found.get(ex);
  if (!p || !e) return { note: `${name} not identified: ${!p ? plain : ex} missing` };
  const [tp, te] = await Promise.all([firstDirectBranch(elf, p), firstDirectBranch(elf, e)]);
  const text = elf.section('.text');
  if (tp === undefined || tp !== te || !text || tp < text.addr || tp >= text.addr + text.size || !inExecutableSegment(elf, tp)) {
    return { note: `${name} not identified: ${plain} and ${ex} do not call one common function first` };
  }
  const named = found.get(name);
  if (named && named.value !== tp) return { note: `${name} not probed: ${plain}/${ex} do not call it (inlined)` };
  if (!named && (await exportedAddresses(elf)).has(tp)) return { note: `${name} not identified: the common callee is an exported function` };
  const offset = elf.fileOffset(tp);
  return offset === undefined ? { note: `${name} target outside any segment` } : { offset, note: `${name} at 0x${tp.toString(16)} (first callee of ${plain} and ${ex})` };
}

async function exportedAddresses(elf: ElfFile): Promise<Set<number>> {
  const out = new Set<number>();
  for (const s of await elf.symbols('dynsym')) if (s.sectionIndex !== 0 && s.type === 'func') out.add(s.value);
  return out;
}

/**
 * OpenSSL's own code linked into this binary: the source file names its error macros record
 * ("../ssl/ssl_lib.c") are in .rodata. Returns its version string when also there ("OpenSSL 3.0.13 30 Jan
 * 2024"), else "OpenSSL"; '' when libssl's code is not in the binary (a program that merely prints the version
 * of the libssl.so it links, as nginx -V does, has the version string but not the file names).
 */
async function openSslVersionString(elf: ElfFile): Promise<string> {
  const ro = elf.section('.rodata');
  if (!ro || ro.size === 0 || ro.size > MAX_RODATA_SCAN) return '';
  const data = await elf.sectionData(ro);
  if (data.indexOf('ssl/ssl_lib.c') < 0) return '';
  for (let at = data.indexOf('OpenSSL '); at >= 0; at = data.indexOf('OpenSSL ', at + 8)) {
    const m = /^OpenSSL \d+\.\d+\.\d+[a-z]?(?: [^\0]{0,40})?/.exec(data.toString('latin1', at, Math.min(at + 64, data.length)));
    if (m) return m[0].trim();
  }
  return 'OpenSSL';
}

import picomatch from 'picomatch';
import type { MappedFile } from './maps.js';

export interface Candidate {
  readonly file: MappedFile;
  /** 'library' for a mapped TLS library, 'executable' for the program itself (Node.js, static builds). */
  readonly role: 'library' | 'executable';
}

/**
 * Which mapped files may hold the OpenSSL functions: libraries whose base name matches one of `libraryGlobs`
 * (libssl.so.3, libssl.so.1.1, wheel-vendored libssl-1a2b3c.so.1.1 …) and, when `executables` is on, the
 * program's own executable (Node.js links OpenSSL statically and exports SSL_read/SSL_write).
 */
export function tlsCandidates(maps: readonly MappedFile[], exePath: string, libraryGlobs: readonly string[], executables: boolean): Candidate[] {
  const isLib = picomatch(libraryGlobs as string[], { basename: true, dot: true });
  const out: Candidate[] = [];
  for (const f of maps) {
    if (!f.executable) continue;
    if (executables && f.path === exePath) out.push({ file: f, role: 'executable' });
    else if (isLib(f.path)) out.push({ file: f, role: 'library' });
  }
  return out;
}

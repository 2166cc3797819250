/** Why an ELF file could not be read; `code` is stable, `message` names the file and what is wrong. */
export type ElfErrorCode = 'LUMEN_ELF_IO' | 'LUMEN_ELF_NOT_ELF' | 'LUMEN_ELF_UNSUPPORTED' | 'LUMEN_ELF_MALFORMED';

export class ElfError extends Error {
  override readonly name = 'ElfError';
  constructor(readonly code: ElfErrorCode, readonly path: string, detail: string) {
    super(`${path}: ${detail}`);
  }
}

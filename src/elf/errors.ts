import { LumenError } from '../errors/lumen-error.js';
/** Why an ELF file could not be read; `code` is stable, `message` names the file and what is wrong. */
export type ElfErrorCode = 'LUMEN_ELF_IO' | 'LUMEN_ELF_NOT_ELF' | 'LUMEN_ELF_UNSUPPORTED' | 'LUMEN_ELF_MALFORMED';

export class ElfError extends LumenError {
  override readonly name = 'ElfError';
  declare readonly code: ElfErrorCode;
  /** The binary that could not be read. */
  readonly file: string;
  constructor(code: ElfErrorCode, file: string, detail: string) {
    super(code, `${file}: ${detail}`);
    this.file = file;
  }
}

import { LumenError } from '../errors/lumen-error.js';
import type { BpfErrorShape } from './types.js';

export type BpfErrorCode = BpfErrorShape['code'];

/** A coded error from the BPF layer: `code` is stable, `message` says what is wrong and what to change. */
export class BpfError extends LumenError implements BpfErrorShape {
  override readonly name = 'BpfError';
  declare readonly code: BpfErrorCode;
  readonly errno?: number;
  readonly verifierLog?: string;

  constructor(code: BpfErrorCode, message: string, errno?: number, verifierLog?: string) {
    super(code, message);
    if (errno !== undefined) this.errno = errno;
    if (verifierLog !== undefined) this.verifierLog = verifierLog;
  }
}

export function isBpfError(e: unknown): e is BpfError {
  return e instanceof BpfError;
}

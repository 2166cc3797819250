import type { ErrorCode, ErrorPath } from './codes.js';

export interface LumenErrorOptions {
  /**
   * Where the error lies in the configuration, from the root (['exporters', 'prometheus', 'endpoint']) or, when
   * a component throws it, from the component's own config (['endpoint']): the engine prefixes the component.
   */
  readonly path?: ErrorPath;
  readonly cause?: unknown;
}

/**
 * The base of every error Lumen throws on purpose: a stable `code` from the catalog (src/errors/codes.ts,
 * explained in docs/errors.md), a message saying what is wrong and what to do, and where it lies.
 */
export class LumenError extends Error {
  override readonly name: string = 'LumenError';
  readonly code: ErrorCode;
  readonly path?: ErrorPath;

  constructor(code: ErrorCode, message: string, options: LumenErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.path) this.path = options.path;
  }
}

export function isLumenError(e: unknown): e is LumenError {
  return e instanceof LumenError;
}

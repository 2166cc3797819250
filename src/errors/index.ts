/** Lumen's error catalog: the LumenError base class and the code table (docs/errors.md explains every code). */
export { ERROR_CODES, type ErrorCode, type ErrorPath } from './codes.js';
export { LumenError, isLumenError, type LumenErrorOptions } from './lumen-error.js';

import { Ajv, type Options } from 'ajv';
import { addLumenFormats } from './formats.js';

/**
 * The ajv instance configuration Lumen validates with: defaults filled in (useDefaults), every error
 * reported (allErrors), Lumen's formats registered. Strict about schema typos, lenient about union types.
 */
export function createAjv(options: Options = {}): Ajv {
  const ajv = new Ajv({
    useDefaults: true,
    allErrors: true,
    allowUnionTypes: true,
    strict: true,
    strictTypes: false,
    strictRequired: false,
    strictTuples: false,
    ...options,
  });
  return addLumenFormats(ajv);
}

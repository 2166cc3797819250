import type { ProcessorFactory } from '../../src/component/index.js';
import { spanOperator } from '../common/span-operator.js';
import { defaultRedactionConfig, redactionSchema, type RedactionConfig } from './config.js';
import { spanRedactor } from './span.js';

export type { RedactionConfig } from './config.js';
export { redactQuery, secretNames, DEFAULT_SECRET_PARAMETERS, REDACTED } from '../../src/protocols/redaction/index.js';
export { obfuscateSql } from '../../src/protocols/redaction/index.js';
export { stripUrlCredentials } from './url.js';

/** `redaction`: secret query values → REDACTED, credentials out of URLs, SQL literals → `?`. */
export const redactionProcessorFactory: ProcessorFactory<RedactionConfig> = {
  type: 'redaction',
  kind: 'processor',
  signals: ['traces', 'metrics'],
  schema: redactionSchema,
  defaultConfig: defaultRedactionConfig,
  create(config) {
    const redact = spanRedactor(config);
    return spanOperator((batch) => {
      for (const span of batch.items) redact(span);
      return batch;
    });
  },
};

export default redactionProcessorFactory;

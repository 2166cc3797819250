/**
 * Query-string redaction for captured URLs: spans leave receivers with the same secret parameters redacted as
 * the redaction processor would (both use src/protocols/redaction).
 */
export { redactQuery, REDACTED, DEFAULT_SECRET_PARAMETERS as DEFAULT_SECRET_PARAMS } from '../redaction/index.js';

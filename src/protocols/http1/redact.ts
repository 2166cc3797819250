/**
 * Query-string redaction for captured URLs: the shared implementation of processors/redaction (a pure module),
 * so spans leave receivers with the same secret parameters redacted as the redaction processor would.
 */
export { redactQuery, REDACTED, DEFAULT_SECRET_PARAMETERS as DEFAULT_SECRET_PARAMS } from '../../../processors/redaction/query.js';

/**
 * Query-string redaction, in the core because protocol parsers apply it before a span leaves a receiver
 * (src/protocols/http1) and the `redaction` processor applies it again with its own configuration.
 */
export { redactQuery, secretNames, REDACTED, DEFAULT_SECRET_PARAMETERS, DEFAULT_SECRETS, type SecretNames } from './query.js';
/** SQL literal obfuscation: the `redaction` processor's, and the database parsers' `db.query.text`. */
export { obfuscateSql } from './sql.js';

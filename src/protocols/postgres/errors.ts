import type { PgMessage } from './messages.js';

/** ErrorResponse fields: 'C' the SQLSTATE, 'M' the message. */
export function errorFields(b: Buffer, m: PgMessage): { sqlstate: string; message: string } {
  let sqlstate = '';
  let message = '';
  let at = m.start;
  while (at < m.end && b[at] !== 0) {
    const code = b[at]!;
    const z = b.indexOf(0, at + 1);
    const stop = z < 0 || z > m.end ? m.end : z;
    if (code === 0x43 /* C */) sqlstate = b.toString('latin1', at + 1, stop);
    else if (code === 0x4d /* M */) message = b.toString('utf8', at + 1, stop);
    at = stop + 1;
  }
  return { sqlstate: /^[0-9A-Z]{5}$/.test(sqlstate) ? sqlstate : '', message };
}

/** SQLSTATE classes (the first two characters) by name, for error.type. */
const CLASSES: Record<string, string> = {
  '08': 'connection_exception', '0A': 'feature_not_supported', '21': 'cardinality_violation', '22': 'data_exception',
  '23': 'integrity_constraint_violation', '25': 'invalid_transaction_state', '28': 'invalid_authorization',
  '3D': 'invalid_catalog_name', '40': 'transaction_rollback', '42': 'syntax_error_or_access_rule_violation',
  '53': 'insufficient_resources', '54': 'program_limit_exceeded', '57': 'operator_intervention', 'XX': 'internal_error',
};

/** error.type of an SQLSTATE: the SQLSTATE itself (OTel: the status code is the error type for databases). */
export function errorType(sqlstate: string): string {
  return sqlstate || 'error';
}

export function sqlstateClass(sqlstate: string): string {
  return CLASSES[sqlstate.slice(0, 2)] ?? '';
}

/** The PostgreSQL wire protocol (v3) parser: exchanges → operations, per-connection prepared statements. */
export { postgresParser, type PgState } from './parser.js';
export { forEachMessage, startupParameters, type PgMessage } from './messages.js';

/** SQL text helpers the database parsers share. */
export { sqlSummary, type SqlSummary } from './summary.js';

/** The MySQL / MariaDB client/server protocol parser: commands, prepared statement ids, OK/ERR/result sets. */
export { mysqlParser, type MysqlState } from './parser.js';
export { forEachPacket } from './packets.js';

import { sqlSummary } from '../sql/index.js';
import { BoundedMap, operation, type WireParser } from '../wire/index.js';
import { forEachPacket, lenEnc, type MyPacket } from './packets.js';

/** Per connection: the default database, prepared statements by id, a COM_STMT_PREPARE awaiting its id. */
export interface MysqlState {
  database: string;
  statements: BoundedMap<number, string>;
}

const COM_QUIT = 0x01;
const COM_INIT_DB = 0x02;
const COM_QUERY = 0x03;
const COM_PING = 0x0e;
const COM_STMT_PREPARE = 0x16;
const COM_STMT_EXECUTE = 0x17;
const COM_STMT_CLOSE = 0x19;
const COM_STMT_RESET = 0x1a;

const CLIENT_CONNECT_WITH_DB = 0x8;
const CLIENT_PROTOCOL_41 = 0x200;
const CLIENT_SECURE_CONNECTION = 0x8000;
const CLIENT_PLUGIN_AUTH_LENENC = 0x200000;

/**
 * MySQL / MariaDB client/server protocol: COM_QUERY, COM_STMT_PREPARE (the id the server gives mapped to the
 * text per connection) and COM_STMT_EXECUTE (by that id), COM_INIT_DB; the answer's first packet decides:
 * OK (0x00), ERR (0xff: error number and SQLSTATE), or a result set. The login (handshake response) gives the
 * database. Clients wait for each answer, so an exchange holds one command with an answer; commands without
 * one (COM_STMT_CLOSE) may precede it.
 */
export const mysqlParser: WireParser<MysqlState> = {
  system: 'mysql',
  newState: () => ({ database: '', statements: new BoundedMap(256) }),
  parse(x, state, out) {
    const req = x.request;
    const resp = x.response;
    let cmd: MyPacket | undefined;
    forEachPacket(req, (p) => {
      if (p.seq === 1 && p.start === 4) {
        login(req, p, state);
        return false;
      }
      if (p.seq !== 0 || p.end <= p.start) return false;
      const c = req[p.start]!;
      if (c === COM_STMT_CLOSE) {
        if (p.end - p.start >= 5) state.statements.delete(req.readUInt32LE(p.start + 1));
        return true;
      }
      cmd = p;
      return false;
    });
    if (!cmd || resp.length < 5) return;
    const p: MyPacket = cmd;
    const c = req[p.start]!;
    let query = '';
    let op = '';
    switch (c) {
      case COM_QUERY: query = req.toString('utf8', p.start + 1, p.end); break;
      case COM_STMT_PREPARE: {
        const text = req.toString('utf8', p.start + 1, p.end);
        if (resp[4] === 0x00 && resp.length >= 9) state.statements.set(resp.readUInt32LE(5), text);
        if (resp[4] !== 0xff) return; // a prepare is bookkeeping: its executions are the operations
        query = text;
        break;
      }
      case COM_STMT_EXECUTE: {
        if (p.end - p.start < 5) return;
        query = state.statements.get(req.readUInt32LE(p.start + 1)) ?? '';
        if (!query) op = 'EXECUTE';
        break;
      }
      case COM_INIT_DB: {
        const db = req.toString('utf8', p.start + 1, p.end);
        if (resp[4] === 0x00) state.database = db;
        op = 'USE';
        break;
      }
      case COM_PING: op = 'PING'; break;
      case COM_QUIT: case COM_STMT_RESET: return;
      default: return;
    }
    const s = query ? sqlSummary(query) : { operation: op, table: '' };
    let status = '';
    if (resp[4] === 0xff) status = resp.length >= 7 ? String(resp.readUInt16LE(5)) : 'error';
    out.push(operation({ operation: s.operation || op, collection: s.table, namespace: state.database, query, status, error: status }));
  },
};

/** HandshakeResponse41: capabilities, max packet, charset, filler, user, auth response, then the database. */
function login(b: Buffer, p: MyPacket, state: MysqlState): void {
  if (p.end - p.start < 32) return;
  const caps = b.readUInt32LE(p.start);
  if (!(caps & CLIENT_PROTOCOL_41) || !(caps & CLIENT_CONNECT_WITH_DB)) return;
  let at = p.start + 32;
  const userEnd = b.indexOf(0, at);
  if (userEnd < 0 || userEnd >= p.end) return;
  at = userEnd + 1;
  if (caps & CLIENT_PLUGIN_AUTH_LENENC) {
    const l = lenEnc(b, at, p.end);
    if (!l) return;
    at += l.size + l.value;
  } else if (caps & CLIENT_SECURE_CONNECTION) {
    if (at >= p.end) return;
    at += 1 + b[at]!;
  } else {
    const z = b.indexOf(0, at);
    if (z < 0 || z >= p.end) return;
    at = z + 1;
  }
  if (at >= p.end) return;
  const z = b.indexOf(0, at);
  const db = b.toString('utf8', at, z < 0 || z > p.end ? p.end : z);
  if (db) state.database = db;
}

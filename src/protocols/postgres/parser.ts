import { sqlSummary } from '../sql/index.js';
import { BoundedMap, operation, type WireExchange, type WireOperation, type WireParser } from '../wire/index.js';
import { errorFields, errorType } from './errors.js';
import { forEachMessage, startupParameters, untypedLength, type PgMessage } from './messages.js';

/** Per connection: the database (from the startup packet), prepared statements by name, a COPY in progress. */
export interface PgState {
  database: string;
  statements: BoundedMap<string, string>;
  /** A COPY … FROM STDIN the server accepted (CopyInResponse): it ends in a later exchange. */
  copy?: { query: string; start: bigint };
}

/** A statement the request runs: a simple Query, or an Execute of a bound prepared statement. */
interface Pending {
  query: string;
  /** Simple queries end at ReadyForQuery; an Execute at its CommandComplete (or the error). */
  simple: boolean;
  /** Sync group of an Execute: after an error the server skips the rest of the group. */
  group: number;
  /** A COPY FROM STDIN started in an earlier exchange, at this Unix ns. */
  start?: bigint;
}

const MAX_STATEMENTS = 256;
/** The text of a statement prepared before its connection was seen (the agent started later): unknown. */
const UNKNOWN = '\0';

/**
 * The PostgreSQL frontend/backend protocol v3: simple queries ('Q'), the extended protocol (Parse, Bind,
 * Execute, Sync; a named statement's text remembered per connection), errors (ErrorResponse: SQLSTATE), COPY
 * (FROM STDIN across exchanges, TO STDOUT within one), one operation per executed statement.
 */
export const postgresParser: WireParser<PgState> = {
  system: 'postgresql',
  newState: () => ({ database: '', statements: new BoundedMap(MAX_STATEMENTS) }),
  parse(x, state, out) {
    const req = x.request;
    let from = 0;
    const untyped = untypedLength(req);
    if (untyped) {
      const params = startupParameters(req);
      if (params) state.database = params.get('database') ?? params.get('user') ?? '';
      from = untyped;
    }
    const pending: Pending[] = [];
    let unnamed = '';
    let bound = '';
    let group = 0;
    let copyDone = false;
    forEachMessage(req, from, (m) => {
      switch (m.type) {
        case 0x51: /* Q */ pending.push({ query: text(req, m), simple: true, group }); break;
        case 0x50: /* P */ {
          const name = cstr(req, m.start, m.end);
          const query = m.cut && name.next >= m.end ? '' : cstr(req, name.next, m.end).text;
          if (name.text === '') unnamed = query;
          else state.statements.set(name.text, query);
          break;
        }
        case 0x42: /* B */ {
          const portal = cstr(req, m.start, m.end);
          const stmt = cstr(req, portal.next, m.end).text;
          bound = stmt === '' ? unnamed : state.statements.get(stmt) ?? UNKNOWN;
          break;
        }
        case 0x45: /* E */ pending.push({ query: bound, simple: false, group }); break;
        case 0x53: /* S */ group++; break;
        case 0x43: /* C: Close */ if (req[m.start] === 0x53 /* S */) state.statements.delete(cstr(req, m.start + 1, m.end).text); break;
        case 0x63: /* c: CopyDone */ case 0x66: /* f: CopyFail */ copyDone = true; break;
        default: break;
      }
    });
    const ops: WireOperation[] = [];
    const copy = state.copy;
    if (copy && copyDone) {
      state.copy = undefined;
      pending.unshift({ query: copy.query, simple: true, group: -1, start: copy.start });
    }
    answer(x.response, pending, state, ops, x.startUnixNano, x.responseBytes > x.response.length);
    for (const o of ops) out.push(o);
  },
};

/**
 * Walks the response, closing pending statements in order: CommandComplete, errors, ReadyForQuery. `cut`: the
 * answer went on past the capture.
 */
function answer(b: Buffer, pending: Pending[], state: PgState, ops: WireOperation[], start: bigint, cut: boolean): void {
  let i = 0;
  let failed = false;
  let sqlstate = '';
  let rows = -1;
  let done = false; // the current simple query completed or failed: its ReadyForQuery may come in a later read
  const close = () => {
    const p = pending[i];
    if (!p) return;
    const op = toOperation(p.query, state.database, failed ? sqlstate : '', rows);
    if (p.start !== undefined) op.startUnixNano = p.start;
    ops.push(op);
    i++;
    failed = false;
    sqlstate = '';
    rows = -1;
    done = false;
  };
  forEachMessage(b, 0, (m: PgMessage) => {
    const p = pending[i];
    if (!p) return false;
    switch (m.type) {
      case 0x43: /* C: CommandComplete */
        rows = tagRows(b, m);
        done = true;
        if (!p.simple) close();
        break;
      case 0x45: /* E: ErrorResponse */ {
        failed = true;
        done = true;
        sqlstate = errorFields(b, m).sqlstate || 'error';
        if (!p.simple) {
          // the server skips the rest of this Sync group: those statements never ran
          const g = p.group;
          close();
          while (pending[i] && !pending[i]!.simple && pending[i]!.group === g) pending.splice(i, 1);
        }
        break;
      }
      case 0x47: /* G: CopyInResponse */
        if (p.simple) {
          state.copy = { query: p.query, start };
          pending.splice(i, 1); // finished by the CopyDone exchange
        }
        return false;
      case 0x5a: /* Z: ReadyForQuery */
        if (p.simple) close();
        break;
      default:
        break;
    }
    return true;
  });
  // A client that stops reading at the error (and closes) leaves ReadyForQuery for a later exchange.
  if (done && pending[i]?.simple) close();
  // An answer longer than the capture (a large result set): the statements it answers ran, their outcome
  // past the capture unknown (errors come before rows, so a failure is seen).
  if (cut) while (pending[i]) close();
}

function toOperation(query: string, database: string, sqlstate: string, rows: number): WireOperation {
  const s = query === UNKNOWN ? { operation: 'EXECUTE', table: '' } : sqlSummary(query);
  if (query === UNKNOWN) query = '';
  return operation({
    operation: s.operation, collection: s.table, namespace: database, query, rows,
    status: sqlstate, error: sqlstate ? errorType(sqlstate) : '',
  });
}

/** The row count a CommandComplete tag ends with ("SELECT 5", "INSERT 0 1", "COPY 3"), -1 when none. */
function tagRows(b: Buffer, m: PgMessage): number {
  const tag = cstr(b, m.start, m.end).text;
  const sp = tag.lastIndexOf(' ');
  const n = sp < 0 ? NaN : Number(tag.slice(sp + 1));
  return Number.isSafeInteger(n) && n >= 0 ? n : -1;
}

function text(b: Buffer, m: PgMessage): string {
  return cstr(b, m.start, m.end).text;
}

function cstr(b: Buffer, at: number, end: number): { text: string; next: number } {
  if (at >= end) return { text: '', next: end };
  const z = b.indexOf(0, at);
  const stop = z < 0 || z >= end ? end : z;
  return { text: b.toString('utf8', at, stop), next: stop + 1 };
}

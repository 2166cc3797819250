import { operation, type WireParser } from '../wire/index.js';
import { errorPrefix, readCommand, valueEnd, type RedisCommand } from './resp.js';

/** Per connection: the selected database index (SELECT n). */
export interface RedisState {
  database: string;
}

/** Commands without a reply of their own in the request/response flow. */
const NO_REPLY = new Set(['SUBSCRIBE', 'PSUBSCRIBE', 'SSUBSCRIBE', 'UNSUBSCRIBE', 'PUNSUBSCRIBE', 'SUNSUBSCRIBE', 'MONITOR']);

/**
 * Redis RESP2/RESP3: every command of an exchange (a pipeline of N) paired in order with the N replies; error
 * replies ('-', '!') mark theirs failed with the error prefix. A reply cut by the capture (a large value, a
 * pipeline's answers past the chunks) still makes its command and those after it spans, outcome unknown;
 * commands the request capture does not hold are not known, so not spans.
 */
export const redisParser: WireParser<RedisState> = {
  system: 'redis',
  newState: () => ({ database: '' }),
  parse(x, state, out) {
    const req = x.request;
    const resp = x.response;
    const cut = x.responseBytes > resp.length;
    let at = 0;
    let r = 0;
    let unknown = false; // past the capture: the replies are there, their content unknown
    while (at < req.length) {
      const cmd = readCommand(req, at, x.requestBytes > req.length);
      if (cmd === undefined || cmd === 'bad') return;
      at = cmd.end;
      if (NO_REPLY.has(cmd.name)) return; // pub/sub: pushes follow, not replies
      if (unknown) {
        out.push(toOperation(cmd, state.database, undefined));
        continue;
      }
      // RESP3 out-of-band pushes before the reply are skipped
      while (r < resp.length && resp[r] === 0x3e) {
        const e = valueEnd(resp, r);
        if (e < 0) break;
        r = e;
      }
      const e = valueEnd(resp, r);
      if (e === -1 && cut) {
        unknown = true;
        out.push(toOperation(cmd, state.database, undefined));
        continue;
      }
      if (e < 0) return;
      const err = errorPrefix(resp, r, e);
      if (cmd.name === 'SELECT' && !err && /^\d{1,5}$/.test(cmd.key)) state.database = cmd.key;
      out.push(toOperation(cmd, state.database, err));
      r = e;
    }
  },
};

function toOperation(cmd: RedisCommand, database: string, err: string | undefined) {
  const query = cmd.key ? `${cmd.name} ${cmd.key}${' ?'.repeat(Math.min(cmd.more, 8))}` : cmd.name;
  return operation({ operation: cmd.name, namespace: database, query, status: err ?? '', error: err ?? '' });
}

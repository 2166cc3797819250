import { indexOfByte, isPrintable, operation, type WireParser } from '../wire/index.js';

const STORAGE = new Set(['set', 'add', 'replace', 'append', 'prepend', 'cas']);
const KNOWN = new Set([...STORAGE, 'get', 'gets', 'gat', 'gats', 'delete', 'incr', 'decr', 'touch', 'version', 'verbosity', 'flush_all', 'stats']);
const RETRIEVAL = new Set(['get', 'gets', 'gat', 'gats']);
const MAX_LINE = 2048;

/** A command line: its name, first key, whether it asked for no reply, and where the next command starts. */
interface McCommand {
  name: string;
  key: string;
  noreply: boolean;
  next: number;
}

/**
 * memcached's text protocol: commands (storage commands with their data block) paired in order with their
 * replies; ERROR / CLIENT_ERROR / SERVER_ERROR mark a failure, other replies (STORED, NOT_FOUND, DELETED,
 * VALUE…END) are the outcome, kept as db.response.status_code. `noreply` commands give no span.
 */
export const memcachedParser: WireParser<Record<string, never>> = {
  system: 'memcached',
  newState: () => ({}),
  parse(x, _state, out) {
    const req = x.request;
    const resp = x.response;
    const cut = x.responseBytes > resp.length;
    let at = 0;
    let r = 0;
    while (at < req.length) {
      const cmd = readCommand(req, at);
      if (!cmd) return;
      at = cmd.next;
      if (cmd.noreply) continue;
      const reply = r < 0 ? undefined : readReply(resp, r, RETRIEVAL.has(cmd.name));
      if (!reply && cut) {
        // the reply is past the capture (a large value): the command ran, its outcome unknown
        out.push(operation({ operation: cmd.name, query: cmd.key ? `${cmd.name} ${cmd.key}` : cmd.name }));
        r = -1;
        continue;
      }
      if (!reply) return;
      r = reply.next;
      const failed = reply.status === 'ERROR' || reply.status === 'CLIENT_ERROR' || reply.status === 'SERVER_ERROR';
      out.push(operation({
        operation: cmd.name, query: cmd.key ? `${cmd.name} ${cmd.key}` : cmd.name,
        status: reply.status, error: failed ? reply.status : '',
      }));
    }
  },
};

function readCommand(b: Buffer, at: number): McCommand | undefined {
  const le = indexOfByte(b, 10, at, Math.min(b.length, at + MAX_LINE));
  if (le < 0 || b[le - 1] !== 13) return undefined;
  const words = b.toString('latin1', at, le - 1).split(' ');
  const name = words[0]!;
  if (!KNOWN.has(name)) return undefined;
  const key = words[1] ?? '';
  if (!isPrintable(key)) return undefined;
  let next = le + 1;
  if (STORAGE.has(name)) {
    const bytes = Number(words[4]);
    if (!Number.isSafeInteger(bytes) || bytes < 0) return undefined;
    next += bytes + 2;
    if (next > b.length) next = b.length; // the data block runs past the capture: the last command
  }
  return { name, key, noreply: words[words.length - 1] === 'noreply', next };
}

/** A reply: its first word (status), where the next reply starts; retrievals read VALUE blocks up to END. */
function readReply(b: Buffer, at: number, retrieval: boolean): { status: string; next: number } | undefined {
  let p = at;
  let hits = 0;
  for (;;) {
    const le = indexOfByte(b, 10, p, Math.min(b.length, p + MAX_LINE));
    if (le < 0 || b[le - 1] !== 13) return undefined;
    const line = b.toString('latin1', p, le - 1);
    const sp = line.indexOf(' ');
    const word = sp < 0 ? line : line.slice(0, sp);
    if (!retrieval || word !== 'VALUE') {
      if (!/^[A-Z_]{2,20}$|^\d{1,20}$/.test(word)) return undefined;
      const status = retrieval && word === 'END' ? (hits ? 'HIT' : 'MISS') : /^\d/.test(word) ? 'OK' : word;
      return { status, next: le + 1 };
    }
    const bytes = Number(line.split(' ')[3]);
    if (!Number.isSafeInteger(bytes) || bytes < 0) return undefined;
    p = le + 1 + bytes + 2;
    if (p > b.length) return undefined;
    hits++;
  }
}

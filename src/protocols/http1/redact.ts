/**
 * Query-string redaction for captured URLs: the values of parameters whose names look secret are replaced,
 * names and order are kept. (Local until processors/redaction exports a shared redactQuery; same contract.)
 */
export const REDACTED = 'REDACTED';

/** Parameter names (lower case, compared after stripping '-' and '_') whose values are never exported. */
export const DEFAULT_SECRET_PARAMS: readonly string[] = [
  'password', 'passwd', 'pwd', 'pass', 'secret', 'clientsecret', 'token', 'accesstoken', 'refreshtoken', 'idtoken',
  'apikey', 'key', 'auth', 'authorization', 'signature', 'sig', 'xamzsignature', 'xamzcredential',
  'xamzsecuritytoken', 'xgoogsignature', 'session', 'sessionid', 'sid', 'code', 'jwt', 'credential', 'credentials',
];

const DEFAULT_SET = new Set(DEFAULT_SECRET_PARAMS);

function normalise(name: string): string {
  let n = name.toLowerCase();
  if (n.includes('%')) {
    try { n = decodeURIComponent(n); } catch { /* keep as is */ }
  }
  return n.replace(/[-_.]/g, '');
}

/** Redacts the values of secret parameters in a raw query string ("a=1&token=x" → "a=1&token=REDACTED"). */
export function redactQuery(query: string, secrets: ReadonlySet<string> = DEFAULT_SET): string {
  if (query === '') return query;
  let out = '';
  let changed = false;
  let start = 0;
  while (start <= query.length) {
    let amp = query.indexOf('&', start);
    if (amp < 0) amp = query.length;
    const part = query.slice(start, amp);
    const eq = part.indexOf('=');
    if (eq > 0 && secrets.has(normalise(part.slice(0, eq))) && part.length > eq + 1) {
      out += (start ? '&' : '') + part.slice(0, eq + 1) + REDACTED;
      changed = true;
    } else {
      out += (start ? '&' : '') + part;
    }
    start = amp + 1;
  }
  return changed ? out : query;
}

/**
 * Query-string redaction, shared by the `redaction` processor and the receivers' built-in default redaction.
 * Pure functions: `redactQuery(query)` replaces the values of secret parameters by REDACTED.
 */
import { isSecretName } from '../secret-names.js';

export const REDACTED = 'REDACTED';

/**
 * Parameter names whose values are secrets (compared lower-case, after percent-decoding). Names not listed are
 * still secret when one of their words is (isSecretName: `aws_secret_access_key`, `user[password]`, …).
 */
export const DEFAULT_SECRET_PARAMETERS: readonly string[] = [
  'password', 'passwd', 'pwd', 'pass', 'secret', 'client_secret', 'private_key',
  'token', 'access_token', 'refresh_token', 'id_token', 'auth', 'auth_token', 'authorization', 'bearer', 'jwt',
  'api_key', 'apikey', 'api-key', 'x-api-key', 'key', 'session', 'sessionid', 'session_id', 'sid',
  'signature', 'sig', 'x-amz-signature', 'x-amz-credential', 'x-amz-security-token',
  'x-goog-signature', 'x-goog-credential', 'awsaccesskeyid', 'code',
];

/** Decides whether a (percent-decoded, case as sent) parameter name is secret. */
export interface SecretNames {
  has(name: string): boolean;
}

/** The listed names, plus every name `isSecretName` recognises when `patterns` is on. */
function matcher(names: ReadonlySet<string>, patterns: boolean): SecretNames {
  return { has: (name) => names.has(name.toLowerCase()) || (patterns && isSecretName(name)) };
}

export const DEFAULT_SECRETS: SecretNames = matcher(new Set(DEFAULT_SECRET_PARAMETERS), true);

/** The default names and patterns (unless `includeDefaults` is false) plus `extra` (any case). */
export function secretNames(extra: readonly string[] = [], includeDefaults = true): SecretNames {
  return matcher(new Set([...(includeDefaults ? DEFAULT_SECRET_PARAMETERS : []), ...extra.map((n) => n.toLowerCase())]), includeDefaults);
}

function decodeName(raw: string): string {
  const plus = raw.includes('+') ? raw.replace(/\+/g, ' ') : raw;
  if (!plus.includes('%')) return plus;
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus;
  }
}

/**
 * `query` is the raw query string without the leading '?'. Each `name=value` pair (separated by '&' or ';')
 * whose percent-decoded name is a secret gets the value REDACTED; everything else is kept byte for byte.
 */
export function redactQuery(query: string, secrets: SecretNames = DEFAULT_SECRETS): string {
  if (query.indexOf('=') < 0) return query;
  let out = '';
  let changed = false;
  let start = 0;
  while (start <= query.length) {
    let end = start;
    while (end < query.length && query.charCodeAt(end) !== 38 && query.charCodeAt(end) !== 59) end++;
    const eq = query.indexOf('=', start);
    if (eq >= 0 && eq < end && end > eq + 1 && query.slice(eq + 1, end) !== REDACTED && secrets.has(decodeName(query.slice(start, eq)))) {
      out += query.slice(start, eq + 1) + REDACTED;
      changed = true;
    } else out += query.slice(start, end);
    if (end >= query.length) break;
    out += query[end];
    start = end + 1;
  }
  return changed ? out : query;
}

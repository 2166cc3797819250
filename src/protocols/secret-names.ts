/**
 * Whether a parameter name (URL query, command-line flag, form field) names a secret. A fixed list misses the
 * endless spellings (`aws_secret_access_key`, `client-secret`, `user[password]`, `X-Private-Token`,
 * `accessToken`), so the name is split into words and any secret-bearing word makes it secret. Over-redacting a
 * harmless `sort_key` is the price of never exporting a real key by default.
 */

/** Words that make any name containing them secret (`db_password`, `oauth_token`, `access_key`, `x-api-key`). */
const SECRET_WORDS = new Set([
  'password', 'passwd', 'pwd', 'pass', 'passphrase', 'secret', 'secrets', 'token', 'tokens', 'auth', 'authorization',
  'bearer', 'jwt', 'apikey', 'key', 'keys', 'signature', 'sig', 'credential', 'credentials', 'cred', 'creds',
  'session', 'sessionid', 'sid', 'otp', 'totp', 'cookie', 'privatekey', 'accesskey', 'secretkey', 'awsaccesskeyid',
]);

/** Names secret only as a whole: `code` is an OAuth authorization code, but `country_code` is not a secret. */
const SECRET_WHOLE_NAMES = new Set(['code', 'pin', 'nonce', 'state_token', 'ticket', 'hmac']);

const cache = new Map<string, boolean>();
const CACHE_MAX = 4096;

/** Splits `user[Password]`, `aws_secret_access_key`, `accessToken`, `X-Api-Key` into lower-case words. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** True when `name` (as written, any case; already percent-decoded) names a secret. */
export function isSecretName(name: string): boolean {
  let r = cache.get(name);
  if (r !== undefined) return r;
  const words = nameWords(name);
  r = SECRET_WHOLE_NAMES.has(words.join('_')) || words.some((w) => SECRET_WORDS.has(w)) || SECRET_WORDS.has(words.join(''));
  if (cache.size >= CACHE_MAX) cache.clear(); // names repeat; a hostile stream of new names only costs recomputation
  cache.set(name, r);
  return r;
}

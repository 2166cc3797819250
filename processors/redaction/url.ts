/**
 * Removes credentials from URLs: `scheme://user:password@host/…` → `scheme://host/…`, wherever such a URL
 * appears in the text (connection strings, absolute-form request targets, url.full).
 */
const USERINFO = /([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)[^\s/?#@]*@/g;

export function stripUrlCredentials(text: string): string {
  if (text.indexOf('@') < 0 || text.indexOf('://') < 0) return text;
  return text.replace(USERINFO, '$1');
}

/** `user:password@host:port` (an HTTP Host or authority) → `host:port`. */
export function stripAuthorityCredentials(authority: string): string {
  const at = authority.lastIndexOf('@');
  return at < 0 ? authority : authority.slice(at + 1);
}

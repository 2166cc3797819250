/**
 * An endpoint URL as it may be logged: `user:password@` and the query (which may carry a token) replaced, so a
 * credential in `endpoint` never reaches the logs. Unparseable text is reduced to its scheme and host part.
 */
export function redactUrl(url: string): string {
  if (!url.includes('://')) return bare(url); // `user:pw@host:4317` would parse as a URL with scheme "user:"
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = 'REDACTED';
      u.password = '';
    }
    if (u.search) u.search = '?REDACTED';
    return u.toString();
  } catch {
    return bare(url);
  }
}

function bare(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/@]*@/i, '$1REDACTED@').replace(/\?.*$/, '?REDACTED');
}

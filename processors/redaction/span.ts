import type { Attributes, Span } from '../../src/model/span.js';
import { BoundedCache } from '../common/bounded-cache.js';
import type { RedactionConfig } from './config.js';
import { redactQuery, secretNames } from '../../src/protocols/redaction/index.js';
import { obfuscateSql } from '../../src/protocols/redaction/index.js';
import { stripAuthorityCredentials, stripUrlCredentials } from './url.js';

/** Builds the per-span redaction for a config; the span is changed in place (attributes copy-on-write). */
export function spanRedactor(config: RedactionConfig): (span: Span) => void {
  const secrets = secretNames(config.query_parameters, config.default_query_parameters);
  const sqlCache = new BoundedCache<string, string>(2048);
  const sql = (text: string) => {
    let out = sqlCache.get(text);
    if (out === undefined) sqlCache.set(text, (out = obfuscateSql(text)));
    return out;
  };
  const urls = config.url_credentials;
  return (span) => {
    const h = span.http;
    if (h) {
      if (h.query) h.query = redactQuery(h.query, secrets);
      if (urls) {
        h.path = stripUrlCredentials(h.path);
        if (h.host.includes('@')) h.host = stripAuthorityCredentials(h.host);
      }
    }
    let changed: Attributes | undefined;
    for (const key in span.attributes) {
      const v = span.attributes[key];
      if (typeof v !== 'string') continue;
      let r = v;
      if (key === 'db.query.text' && config.sql_literals) r = sql(v);
      else if (key === 'url.query') r = redactQuery(v, secrets);
      else if (urls) r = stripUrlCredentials(v);
      if (key === 'url.full' || key === 'http.url' || key === 'url.original') {
        const q = r.indexOf('?');
        if (q >= 0) r = r.slice(0, q + 1) + redactQuery(r.slice(q + 1), secrets);
      }
      if (r !== v) (changed ??= { ...span.attributes })[key] = r;
    }
    if (changed) span.attributes = changed;
  };
}

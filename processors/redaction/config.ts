import type { JsonSchema } from '../../src/component/index.js';

export interface RedactionConfig {
  /** Extra query parameter names whose values are secrets (any case; matched after percent-decoding). */
  query_parameters: string[];
  /** Also redact the built-in list (password, token, api_key, access_token, client_secret, X-Amz-Signature, …). */
  default_query_parameters: boolean;
  /** Remove `user:password@` from URLs in paths, hosts and attribute values. */
  url_credentials: boolean;
  /** Replace literals in `db.query.text` by `?`. */
  sql_literals: boolean;
}

export const redactionSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    query_parameters: { type: 'array', items: { type: 'string', minLength: 1 }, default: [] },
    default_query_parameters: { type: 'boolean', default: true },
    url_credentials: { type: 'boolean', default: true },
    sql_literals: { type: 'boolean', default: true },
  },
};

export function defaultRedactionConfig(): RedactionConfig {
  return { query_parameters: [], default_query_parameters: true, url_credentials: true, sql_literals: true };
}

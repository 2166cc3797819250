import { componentConfig } from '../../src/config/component-config.js';
import { array, boolean, object, string, type Infer } from '../../src/config/typed-schema.js';

export const redactionConfig = object({
  /** Extra query parameter names whose values are secrets (any case; matched after percent-decoding). */
  query_parameters: array(string({ minLength: 1 }), { default: [] }),
  /** Also redact the built-in list (password, token, api_key, access_token, client_secret, X-Amz-Signature, …). */
  default_query_parameters: boolean({ default: true }),
  /** Remove `user:password@` from URLs in paths, hosts and attribute values. */
  url_credentials: boolean({ default: true }),
  /** Replace literals in `db.query.text` by `?`. */
  sql_literals: boolean({ default: true }),
});

export type RedactionConfig = Infer<typeof redactionConfig>;
export const { schema: redactionSchema, defaultConfig: defaultRedactionConfig } = componentConfig(redactionConfig);

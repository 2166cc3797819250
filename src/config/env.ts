/**
 * `${VAR}` expansion in configuration values, before validation:
 *   ${VAR}            the variable's value; an error when it is not set
 *   ${VAR:-default}   the default when VAR is unset or empty;  ${VAR-default}: only when unset
 *   ${env:VAR}        the Collector's spelling, same meaning
 *   $${               a literal "${"
 */
import { LumenError } from '../errors/lumen-error.js';

export type Env = Readonly<Record<string, string | undefined>>;

export interface Expansion {
  readonly value: string;
  /** True when the text was exactly one reference (then a plain YAML scalar is re-typed: 9400 → number). */
  readonly whole: boolean;
}

export class EnvError extends LumenError {
  override readonly name = 'EnvError';
  constructor(message: string) {
    super('LUMEN_ENV_REFERENCE', message);
  }
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Expands references in `text`; throws EnvError with a one-sentence message on an unset variable or bad syntax. */
export function expandEnv(text: string, env: Env): Expansion {
  if (!text.includes('$')) return { value: text, whole: false };
  let out = '';
  let refs = 0;
  let literal = false;
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      out += '${';
      literal = true;
      i += 3;
    } else if (text.startsWith('${', i)) {
      const end = text.indexOf('}', i + 2);
      if (end < 0) throw new EnvError(`unterminated "\${" in ${JSON.stringify(text)}, write \${NAME} or $\${ for a literal "\${"`);
      out += resolve(text.slice(i + 2, end), env);
      refs++;
      i = end + 1;
    } else {
      out += text[i];
      i++;
      literal = true;
    }
  }
  const whole = refs === 1 && !literal;
  return { value: out, whole };
}

function resolve(inner: string, env: Env): string {
  const body = inner.startsWith('env:') ? inner.slice(4) : inner;
  const m = /^([^:-]*)(?:(:-|-)([\s\S]*))?$/.exec(body);
  const name = m?.[1] ?? '';
  if (!m || !NAME.test(name)) {
    throw new EnvError(`invalid variable reference "\${${inner}}", write \${NAME} or \${NAME:-default} (NAME: letters, digits, _)`);
  }
  const value = env[name];
  const op = m[2];
  if (op === ':-' && (value === undefined || value === '')) return m[3]!;
  if (op === '-' && value === undefined) return m[3]!;
  if (value === undefined) {
    throw new EnvError(`environment variable ${name} is not set, set it or write \${${name}:-default}`);
  }
  return value;
}

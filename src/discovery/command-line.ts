import { isSecretName } from '../protocols/secret-names.js';

/**
 * What of a process's command line leaves the host (`process.command_line` in OTLP resources and Prometheus
 * `target_info`, print_traces JSON): command lines carry secrets (`--db-password=…`, connection URLs), so none
 * by default. `redacted` keeps the arguments but not secret values; `full` exports them as they are.
 */
export type CommandLineMode = 'off' | 'redacted' | 'full';

export const COMMAND_LINE_MODES: readonly CommandLineMode[] = ['off', 'redacted', 'full'];

export const REDACTED = 'REDACTED';

export function exportedCommandLine(cmdline: string, mode: CommandLineMode): string {
  if (mode === 'full') return cmdline;
  if (mode === 'off') return '';
  return redactCommandLine(cmdline);
}

const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi;

/**
 * Arguments kept, secret values replaced: `--name=value` / `NAME=value` and `--name value` when the name looks
 * secret (see isSecretName), `user:password@` in URLs, and secret query parameters in URLs. What cannot be told
 * apart from an ordinary argument (`mysql -pSECRET`, a positional password) is not recognised: use `off` then.
 */
export function redactCommandLine(cmdline: string): string {
  const args = cmdline.split(' ');
  for (let i = 0; i < args.length; i++) {
    let a = args[i]!.replace(URL_USERINFO, `$1${REDACTED}@`);
    const q = a.indexOf('?');
    if (q >= 0 && a.indexOf('=', q) > 0) a = a.slice(0, q + 1) + redactPairs(a.slice(q + 1));
    const eq = a.indexOf('=');
    if (eq > 0 && q < 0 && isSecretName(a.slice(0, eq).replace(/^-+/, ''))) a = `${a.slice(0, eq + 1)}${REDACTED}`;
    else if (eq < 0 && /^--?[A-Za-z]/.test(a) && isSecretName(a.replace(/^-+/, '')) && i + 1 < args.length && !args[i + 1]!.startsWith('-')) {
      args[i] = a;
      args[++i] = REDACTED;
      continue;
    }
    args[i] = a;
  }
  return args.join(' ');
}

function redactPairs(query: string): string {
  return query.replace(/([^&;=]+)=([^&;]*)/g, (pair, name: string) => (isSecretName(name) ? `${name}=${REDACTED}` : pair));
}

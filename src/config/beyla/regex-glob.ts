/**
 * Beyla's deprecated selectors (`executable_name`, `discovery.services[].exe_path`) are Go regular expressions
 * matched anywhere in the path; Lumen's selectors are globs. The common shapes translate exactly:
 * literals, `^`/`$` anchors, `.*`, `.+`, `.`, escaped characters, `[...]` classes and `(a|b)` of literals.
 * Anything else returns undefined (the caller says the selector cannot be translated).
 */
export function regexToGlob(regex: string): string | undefined {
  let src = regex;
  const anchoredStart = src.startsWith('^');
  if (anchoredStart) src = src.slice(1);
  const anchoredEnd = src.endsWith('$') && !src.endsWith('\\$');
  if (anchoredEnd) src = src.slice(0, -1);
  let out = '';
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === '.') {
      const q = src[i + 1];
      if (q === '*') { out += '*'; i += 2; continue; }
      if (q === '+') { out += '?*'; i += 2; continue; }
      out += '?';
      i++;
      continue;
    }
    if (c === '\\') {
      const n = src[i + 1];
      if (n === undefined || /[A-Za-z0-9]/.test(n)) return undefined; // \d, \w, \b …: no glob equivalent
      out += literal(n);
      i += 2;
      continue;
    }
    if (c === '[') {
      const end = src.indexOf(']', i + 2);
      if (end < 0) return undefined;
      const body = src.slice(i + 1, end);
      out += `[${body.startsWith('^') ? `!${body.slice(1)}` : body}]`;
      i = end + 1;
      if (/^[*+?{]/.test(src[i] ?? '')) return undefined;
      continue;
    }
    if (c === '(') {
      const end = src.indexOf(')', i);
      if (end < 0) return undefined;
      const alternatives = src.slice(i + 1, end).replace(/^\?:/, '').split('|');
      if (!alternatives.every((a) => /^[A-Za-z0-9_\-/]*$/.test(a))) return undefined;
      out += `{${alternatives.join(',')}}`;
      i = end + 1;
      if (/^[*+?{]/.test(src[i] ?? '')) return undefined;
      continue;
    }
    if ('*+?{}|)^$'.includes(c)) return undefined;
    out += literal(c);
    i++;
  }
  if (!anchoredStart && !out.startsWith('*')) out = `*${out}`;
  if (!anchoredEnd && !out.endsWith('*')) out = `${out}*`;
  return out;
}

/** A character a glob would read as special is written as a one-character class. */
function literal(c: string): string {
  return '*?[]{}!(),'.includes(c) ? `[${c}]` : c;
}

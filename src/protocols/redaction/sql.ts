/**
 * SQL literal obfuscation: string literals ('…', E'…', $tag$…$tag$), numbers, hex/binary literals and
 * booleans become `?`; comments are removed; identifiers ("quoted", `backticked`, [bracketed]), keywords and
 * operators stay. `IN (?, ?, ?)` lists fold to `IN (?)` so queries with different list lengths group together.
 */
export function obfuscateSql(sql: string): string {
  let out = '';
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      while (i < n && sql[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      continue;
    }
    if (c === "'" || ((c === 'E' || c === 'e' || c === 'N' || c === 'n' || c === 'X' || c === 'x' || c === 'B' || c === 'b') && next === "'" && !isIdent(sql[i - 1]))) {
      i = skipQuoted(sql, c === "'" ? i : i + 1, "'");
      out += '?';
      continue;
    }
    if (c === '"' || c === '`') {
      const end = skipQuoted(sql, i, c);
      out += sql.slice(i, end);
      i = end;
      continue;
    }
    if (c === '$') {
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 64));
      if (m) {
        const end = sql.indexOf(m[0], i + m[0].length);
        i = end < 0 ? n : end + m[0].length;
        out += '?';
        continue;
      }
    }
    if (isDigit(c) || (c === '.' && next !== undefined && isDigit(next))) {
      if (!isIdent(sql[i - 1])) {
        i = skipNumber(sql, i);
        out += '?';
        continue;
      }
    }
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < n && isIdent(sql[j])) j++;
      const word = sql.slice(i, j);
      const lower = word.toLowerCase();
      out += lower === 'true' || lower === 'false' ? '?' : word;
      i = j;
      continue;
    }
    out += c;
    i++;
  }
  return out.replace(/\b(IN\s*)\(\s*\?(?:\s*,\s*\?)*\s*\)/gi, '$1(?)').trim();
}

function skipQuoted(s: string, open: number, quote: string): number {
  let i = open + 1;
  while (i < s.length) {
    if (s[i] === '\\' && quote === "'") i += 2;
    else if (s[i] === quote) {
      if (s[i + 1] === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return s.length;
}

function skipNumber(s: string, i: number): number {
  if (s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X')) {
    i += 2;
    while (i < s.length && /[0-9a-fA-F]/.test(s[i]!)) i++;
    return i;
  }
  while (i < s.length && /[0-9.]/.test(s[i]!)) i++;
  if (s[i] === 'e' || s[i] === 'E') {
    i++;
    if (s[i] === '+' || s[i] === '-') i++;
    while (i < s.length && isDigit(s[i]!)) i++;
  }
  return i;
}

const isDigit = (c: string) => c >= '0' && c <= '9';
const isIdentStart = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c > '\x7f';
const isIdent = (c: string | undefined) => c !== undefined && (isIdentStart(c) || isDigit(c) || c === '$');

/**
 * The operation and the table of a SQL statement, for span names (`SELECT users`), db.operation.name and
 * db.collection.name: the first keyword, and the first table after FROM / INTO / UPDATE / TABLE / JOIN.
 * Works on a statement cut short (the capture's prefix). Not a SQL parser: a best effort over tokens.
 */
export interface SqlSummary {
  /** Upper-case first keyword (SELECT, INSERT, BEGIN …), '' when the text does not start with a word. */
  operation: string;
  /** The table as written (schema-qualified names kept, quotes removed), '' when none was found. */
  table: string;
}

const TABLE_AFTER: Record<string, readonly string[]> = {
  SELECT: ['FROM'], DELETE: ['FROM'], INSERT: ['INTO'], REPLACE: ['INTO'], UPDATE: [''], MERGE: ['INTO'],
  COPY: [''], TRUNCATE: ['', 'TABLE'], CREATE: ['TABLE', 'INDEX', 'VIEW'], DROP: ['TABLE', 'VIEW', 'INDEX'],
  ALTER: ['TABLE'], LOCK: ['', 'TABLE'], WITH: ['FROM'],
};
const SKIP_WORDS = new Set(['IF', 'NOT', 'EXISTS', 'ONLY', 'TEMP', 'TEMPORARY', 'UNLOGGED', 'ON', 'LOW_PRIORITY', 'IGNORE', 'DELAYED', 'QUICK']);
const MAX_SCAN = 4096;

/** Statements repeat (prepared, ORM-generated): their summaries are kept, a bounded number of them. */
const cache = new Map<string, SqlSummary>();
const CACHE_MAX = 2048;

export function sqlSummary(text: string): SqlSummary {
  let s = cache.get(text);
  if (s !== undefined) return s;
  s = summarize(text);
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
  if (text.length <= 4096) cache.set(text, s);
  return s;
}

function summarize(text: string): SqlSummary {
  const words = tokens(text.length > MAX_SCAN ? text.slice(0, MAX_SCAN) : text);
  const first = words[0];
  if (!first || !/^[A-Za-z]+$/.test(first)) return { operation: '', table: '' };
  const operation = first.toUpperCase();
  const after = TABLE_AFTER[operation];
  if (!after) return { operation, table: '' };
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!.toUpperCase();
    const direct = i === 1 && after.includes('');
    if (!direct && !after.includes(w)) continue;
    let j = direct ? i : i + 1;
    while (j < words.length && SKIP_WORDS.has(words[j]!.toUpperCase())) j++;
    const t = words[j];
    if (t && isTableName(t)) return { operation, table: unquote(t) };
    if (direct) continue;
    break;
  }
  return { operation, table: '' };
}

/** Words, quoted identifiers and single punctuation, skipping comments and string literals. */
function tokens(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length && out.length < 64) {
    const c = s[i]!;
    if (c === '-' && s[i + 1] === '-') {
      const e = s.indexOf('\n', i);
      i = e < 0 ? s.length : e + 1;
    } else if (c === '/' && s[i + 1] === '*') {
      const e = s.indexOf('*/', i + 2);
      i = e < 0 ? s.length : e + 2;
    } else if (c === "'") {
      const e = s.indexOf("'", i + 1);
      i = e < 0 ? s.length : e + 1;
    } else if (/[A-Za-z_"`\[]/.test(c)) {
      let j = i + 1;
      while (j < s.length && /[A-Za-z0-9_$."`\]]/.test(s[j]!)) j++;
      out.push(s.slice(i, j));
      i = j;
    } else if (c === '(' || c === ',' || c === ';') {
      out.push(c);
      i++;
    } else i++;
  }
  return out;
}

function isTableName(t: string): boolean {
  return /^[A-Za-z_"`\[]/.test(t) && t.length <= 128;
}

function unquote(t: string): string {
  return t.replace(/["`\[\]]/g, '');
}

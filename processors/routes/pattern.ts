/**
 * One segment of a route pattern. Placeholders follow the frameworks users copy routes from:
 * `:id` (Gin, Express), `{id}` / `{id:int}` / `{id<\d+>}` (Gorilla, ASP.NET, Symfony), `<id>` / `<int:id>`
 * (Flask); `{**path}`, `{*path}` and `<path:name>` span one or more segments; a literal prefix is allowed
 * (`@:username`); a final `*` matches the rest of the path, including nothing.
 */
export type PatternSegment =
  | { kind: 'literal'; text: string }
  | { kind: 'param'; prefix: string; optional: boolean }
  | { kind: 'multi' }
  | { kind: 'rest' };

/** Splits a path or pattern into segments, dropping one leading and one trailing empty segment. */
export function tokenize(path: string): string[] {
  const parts = path.split('/');
  if (parts.length > 0 && parts[0] === '') parts.shift();
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

export function parsePattern(pattern: string): PatternSegment[] {
  const tokens = tokenize(pattern);
  return tokens.map((t, i) => parseSegment(t, i === tokens.length - 1));
}

function parseSegment(token: string, last: boolean): PatternSegment {
  if (token === '*') return last ? { kind: 'rest' } : { kind: 'param', prefix: '', optional: false };
  const brace = token.indexOf('{');
  if (brace >= 0 && token.endsWith('}')) {
    const inner = token.slice(brace + 1, -1);
    if (inner.startsWith('*')) return brace === 0 ? { kind: 'multi' } : { kind: 'param', prefix: token.slice(0, brace), optional: false };
    return { kind: 'param', prefix: token.slice(0, brace), optional: inner.endsWith('?') };
  }
  const angle = token.indexOf('<');
  if (angle >= 0 && token.endsWith('>') && !token.includes('{')) {
    const inner = token.slice(angle + 1, -1);
    if (angle === 0 && inner.startsWith('path:')) return { kind: 'multi' };
    return { kind: 'param', prefix: token.slice(0, angle), optional: false };
  }
  const colon = token.indexOf(':');
  if (colon >= 0 && /^\w*$/.test(token.slice(colon + 1))) return { kind: 'param', prefix: token.slice(0, colon), optional: false };
  return { kind: 'literal', text: token };
}

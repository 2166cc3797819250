import { parsePattern, tokenize, type PatternSegment } from './pattern.js';

interface Node {
  /** The first declared pattern that ends here. */
  route?: string;
  literals: Map<string, Node>;
  /** Single-segment placeholders, in declaration order, keyed by their literal prefix. */
  params: { prefix: string; optional: boolean; node: Node }[];
  /** A placeholder spanning one or more segments (`{**path}`, `<path:p>`). */
  multi?: Node;
  /** A trailing `*`: the route matching this prefix and anything below it. */
  rest?: string;
}

const newNode = (): Node => ({ literals: new Map(), params: [] });

/**
 * Finds which declared route pattern a path belongs to, framework-router style. At each segment a literal
 * child wins over placeholders; when a literal branch dead-ends only multi-segment placeholders and `/*`
 * prefixes are tried (so with `/foo/bar/baz` and `/foo/:id` declared, `/foo/bar` matches neither, as in the
 * reference). Among placeholders the first declared wins.
 */
export class RouteMatcher {
  readonly #root = newNode();
  readonly size: number;

  constructor(patterns: readonly string[]) {
    for (const p of patterns) this.#add(p, parsePattern(p));
    this.size = patterns.length;
  }

  /** The matching pattern, or '' when none does. */
  find(path: string): string {
    if (this.size === 0) return '';
    if (this.#cannotMatch(path)) return '';
    return match(this.#root, tokenize(path), 0) ?? '';
  }

  /** Fast reject, without splitting: the first segment leads nowhere from the root. */
  #cannotMatch(path: string): boolean {
    const root = this.#root;
    if (root.params.length > 0 || root.multi || root.rest !== undefined) return false;
    const start = path.charCodeAt(0) === 47 ? 1 : 0;
    let end = path.indexOf('/', start);
    if (end < 0) end = path.length;
    if (end === start) return false;
    return !root.literals.has(path.slice(start, end));
  }

  #add(pattern: string, segments: PatternSegment[]): void {
    let node = this.#root;
    for (const s of segments) {
      if (s.kind === 'rest') {
        node.rest ??= pattern;
        return;
      }
      if (s.kind === 'literal') {
        let next = node.literals.get(s.text);
        if (!next) node.literals.set(s.text, (next = newNode()));
        node = next;
      } else if (s.kind === 'multi') {
        node = node.multi ??= newNode();
      } else {
        let entry = node.params.find((p) => p.prefix === s.prefix);
        if (!entry) node.params.push((entry = { prefix: s.prefix, optional: s.optional, node: newNode() }));
        else entry.optional ||= s.optional;
        node = entry.node;
      }
    }
    node.route ??= pattern;
  }
}

function match(node: Node, tokens: string[], at: number): string | undefined {
  if (at === tokens.length) {
    if (node.route !== undefined) return node.route;
    if (node.rest !== undefined) return node.rest;
    for (const p of node.params) if (p.optional && p.node.route !== undefined) return p.node.route;
    return undefined;
  }
  const token = tokens[at]!;
  const literal = node.literals.get(token);
  if (literal) {
    const found = match(literal, tokens, at + 1);
    if (found !== undefined) return found;
  } else {
    for (const p of node.params) {
      if (token.length > p.prefix.length && token.startsWith(p.prefix)) {
        const found = match(p.node, tokens, at + 1);
        if (found !== undefined) return found;
      }
    }
  }
  if (node.multi) {
    for (let end = at + 1; end <= tokens.length; end++) {
      const found = match(node.multi, tokens, end);
      if (found !== undefined) return found;
    }
  }
  return node.rest;
}

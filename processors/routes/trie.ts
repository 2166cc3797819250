interface TrieNode {
  children: Map<string, TrieNode>;
  /** Once collapsed, every segment at this level reads as the wildcard, forever. */
  collapsed: boolean;
  /** Adopted a wildcard child in a merge: already unbounded, so the next new segment folds it. */
  full: boolean;
}

const node = (): TrieNode => ({ children: new Map(), collapsed: false, full: false });

/**
 * The `low-cardinality` route trie (one per service): routes are inserted segment by segment; when a node
 * gets more than `maxChildren` distinct children they fold into one wildcard child (their own children
 * merge under it, which may cascade). Folding is permanent. On top of the reference behaviour, the trie
 * holds at most `maxNodes` nodes: past that, segments that would need a new node read as the wildcard.
 */
export class RouteTrie {
  readonly #root = node();
  #nodes = 1;

  constructor(
    readonly maxChildren: number,
    readonly wildcard = '*',
    readonly maxNodes = 10_000,
  ) {}

  /** Nodes currently allocated (an upper bound after merges). */
  get nodeCount(): number {
    return this.#nodes;
  }

  /** Records a route and returns its folded form ('/a/b', always with a leading '/'). */
  insert(route: string): string {
    const segments = trimSlashes(route).split('/');
    if (segments.length === 1 && segments[0] === '') return route;
    const out: string[] = [];
    let current = this.#root;
    for (const segment of segments) {
      if (segment === '') {
        out.push('');
        continue;
      }
      if (current.collapsed) {
        out.push(this.wildcard);
        current = this.#wildcardChild(current);
        continue;
      }
      let child = current.children.get(segment);
      if (!child) {
        if (current.children.size >= this.maxChildren || current.full || this.#nodes >= this.maxNodes) {
          this.#collapse(current);
          out.push(this.wildcard);
          current = this.#wildcardChild(current);
          continue;
        }
        current.children.set(segment, (child = node()));
        this.#nodes++;
      }
      out.push(segment);
      current = child;
    }
    return '/' + out.join('/');
  }

  /** The folded form of a route without recording it; segments below an unknown one are kept as they are. */
  lookup(route: string): string {
    const segments = trimSlashes(route).split('/');
    if (segments.length === 1 && segments[0] === '') return route;
    let current: TrieNode | undefined = this.#root;
    const out = segments.map((segment) => {
      if (segment === '' || !current) return segment;
      const exact = current.collapsed ? undefined : current.children.get(segment);
      if (exact) {
        current = exact;
        return segment;
      }
      current = current.children.get(this.wildcard);
      return current ? this.wildcard : segment;
    });
    return '/' + out.join('/');
  }

  #wildcardChild(parent: TrieNode): TrieNode {
    let child = parent.children.get(this.wildcard);
    if (!child) {
      parent.children.set(this.wildcard, (child = node()));
      this.#nodes++;
    }
    return child;
  }

  #collapse(target: TrieNode): void {
    if (target.collapsed) return;
    target.collapsed = true;
    const wildcard = target.children.get(this.wildcard) ?? node();
    for (const [segment, child] of target.children) {
      if (segment === this.wildcard) continue;
      this.#merge(wildcard, child);
      this.#nodes--;
    }
    if (!target.children.has(this.wildcard)) this.#nodes++;
    target.children = new Map([[this.wildcard, wildcard]]);
    target.full = false;
    if (wildcard.full || wildcard.children.size > this.maxChildren) this.#collapse(wildcard);
  }

  /** Moves source's children under target, merging same-named ones recursively. */
  #merge(target: TrieNode, source: TrieNode): void {
    for (const [segment, child] of source.children) {
      const existing = target.children.get(segment);
      if (existing) {
        this.#merge(existing, child);
        this.#nodes--;
      } else {
        target.children.set(segment, child);
        if (segment === this.wildcard) target.full = true;
      }
    }
  }
}

function trimSlashes(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && s.charCodeAt(a) === 47) a++;
  while (b > a && s.charCodeAt(b - 1) === 47) b--;
  return s.slice(a, b);
}

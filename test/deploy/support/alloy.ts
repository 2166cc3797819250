/**
 * A reader for the subset of Alloy's configuration syntax deploy/compose uses: blocks (`name "label" { … }` and
 * `name { … }`), attributes (`key = value`, values being strings, numbers, booleans, identifiers and lists),
 * `//` comments. Enough to check the file's components against Alloy's documentation; anything else is an error.
 */
export interface AlloyBlock {
  name: string;
  label?: string;
  attrs: Record<string, string | string[]>;
  blocks: AlloyBlock[];
  line: number;
}

export function parseAlloy(text: string): AlloyBlock[] {
  const root: AlloyBlock = { name: '', attrs: {}, blocks: [], line: 0 };
  const stack = [root];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/^((?:[^"/]|"[^"]*"|\/(?!\/))*)\/\/.*$/, '$1').trim(); // a comment, not // in a string
    if (!line) return;
    const top = stack[stack.length - 1]!;
    let m: RegExpExecArray | null;
    if ((m = /^([a-z_][\w.]*)(?:\s+"([^"]*)")?\s*\{$/.exec(line))) {
      const block: AlloyBlock = { name: m[1]!, attrs: {}, blocks: [], line: i + 1, ...(m[2] !== undefined ? { label: m[2] } : {}) };
      top.blocks.push(block);
      stack.push(block);
    } else if (line === '}') {
      if (stack.length === 1) throw new Error(`line ${i + 1}: unbalanced }`);
      stack.pop();
    } else if ((m = /^([a-z_]\w*)\s*=\s*(.+?),?$/.exec(line))) {
      const value = m[2]!;
      top.attrs[m[1]!] = value.startsWith('[')
        ? value.replace(/^\[|\]$/g, '').split(',').map((s) => s.trim()).filter(Boolean)
        : value.replace(/^"|"$/g, '');
    } else {
      throw new Error(`line ${i + 1}: not understood: ${line}`);
    }
  });
  if (stack.length !== 1) throw new Error('unclosed block');
  return root.blocks;
}

/** The nested block at `path` (e.g. ['client', 'tls']), or undefined. */
export function child(block: AlloyBlock, ...path: string[]): AlloyBlock | undefined {
  let b: AlloyBlock | undefined = block;
  for (const p of path) b = b?.blocks.find((x) => x.name === p);
  return b;
}

/**
 * Glob patterns as Beyla's filters and selections write them: `*` any run of characters (including none),
 * `?` one character, `[abc]` / `[a-z]` / `[!a]` a class, `{a,b}` alternatives; everything else is literal.
 * Unlike file globs, `*` also crosses `/` (route and path values are matched whole).
 */
export function globToRegExp(glob: string, flags = ''): RegExp {
  let re = '';
  let depth = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let body = glob.slice(i + 1, end).replace(/\\/g, '\\\\');
        if (body.startsWith('!')) body = '^' + body.slice(1);
        re += `[${body}]`;
        i = end;
      }
    } else if (c === '{') {
      re += '(?:';
      depth++;
    } else if (c === '}' && depth > 0) {
      re += ')';
      depth--;
    } else if (c === ',' && depth > 0) re += '|';
    else if (c === '\\' && i + 1 < glob.length) re += escape(glob[++i]!);
    else re += escape(c);
  }
  if (depth > 0) throw new SyntaxError(`unclosed "{" in glob "${glob}"`);
  return new RegExp(`^(?:${re})$`, flags);
}

const escape = (c: string) => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

export function isGlob(text: string): boolean {
  return /[*?[{]/.test(text);
}

/** Attribute names compare with dots and underscores equivalent (Beyla accepts either form). */
export function underscored(name: string): string {
  return name.replace(/\./g, '_');
}

/** Hostile configuration texts (issue #11.3, #11.8), shared by the CLI tests and the fuzz property. */

const PIPELINES = 'service:\n  pipelines: {}\n';

/** A deterministic byte stream (xorshift) so a failing case can be replayed. */
function bytes(n: number, seed: number): Buffer {
  const out = Buffer.alloc(n);
  let x = seed || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export const hostileYaml = {
  proto: 'receivers:\n  replay:\n    path: /tmp/x.jsonl\nexporters:\n  print_traces:\n    __proto__:\n      format: json\nservice:\n  pipelines:\n    traces:\n      receivers: [replay]\n      exporters: [print_traces]\n',
  billionLaughs: [
    'receivers:', '  replay:', '    path: /x', '    pace:',
    '      a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    '      b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]', '      c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]', '      d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
    '      e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]', '      f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]', '      g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
    '      h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]', '      i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]', PIPELINES,
  ].join('\n'),
  /** Anchors each referring to the previous one twice: 2^levels values once expanded. */
  anchorTree(levels: number): string {
    const lines = ['x:', '  t0: &t0 [leaf]'];
    for (let i = 1; i <= levels; i++) lines.push(`  t${i}: &t${i} [*t${i - 1}, *t${i - 1}]`);
    return `${lines.join('\n')}\n${PIPELINES}`;
  },
  /** Each mapping merges the previous one with `<<`. */
  mergeChain(n: number): string {
    const lines = ['x:', '  m0: &m0 {a: 1}'];
    for (let i = 1; i < n; i++) lines.push(`  m${i}: &m${i} {<<: *m${i - 1}, b${i}: 1}`);
    return `${lines.join('\n')}\n${PIPELINES}`;
  },
  deepFlow: (n: number): string => `receivers: ${'['.repeat(n)}${']'.repeat(n)}\n`,
  deepBlock(n: number): string {
    let out = '';
    for (let i = 0; i < n; i++) out += `${' '.repeat(i)}k${i}:\n`;
    return out;
  },
  controlKey: 'receivers:\n  "\\e[2J\\e[31mevil\\u202e": {}\nservice:\n  pipelines: {}\n',
  randomBytes: bytes,
};

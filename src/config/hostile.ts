import { isAlias, isMap, isPair, isSeq, type Node } from 'yaml';

/**
 * Bounds that keep a hostile configuration (issue #11.3) a positioned error instead of a crash: nesting depth,
 * alias expansion, and keys that name a JavaScript prototype. No Lumen option nests deeper than about ten levels.
 */
export const MAX_DEPTH = 64;

/** Values an alias may expand to in total (the yaml library's `maxAliasCount`): billion laughs, `<<` chains. */
export const MAX_ALIAS_COUNT = 100;

const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Keys that could reach Object.prototype through a merge or an assignment; refused wherever a key is read. */
export function isPrototypeKey(key: string): boolean {
  return PROTOTYPE_KEYS.has(key);
}

/** The first node nested deeper than MAX_DEPTH collections, or undefined. Iterative: the input may be 10^5 deep. */
export function tooDeep(root: Node | null | undefined): Node | undefined {
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (!isMap(node) && !isSeq(node)) continue;
    if (depth >= MAX_DEPTH) return node as Node;
    for (const item of node.items as unknown[]) {
      if (isPair(item)) {
        stack.push([item.key, depth + 1], [item.value, depth + 1]);
      } else {
        stack.push([item, depth + 1]);
      }
    }
  }
  return undefined;
}

/** The first alias (`*name`) in document order, to point an alias-expansion error at. */
export function firstAlias(root: Node | null | undefined): Node | undefined {
  const stack: unknown[] = [root];
  let first: Node | undefined;
  while (stack.length) {
    const node = stack.pop();
    if (isAlias(node)) {
      if (!first || (node.range?.[0] ?? 0) < (first.range?.[0] ?? 0)) first = node;
    } else if (isMap(node) || isSeq(node)) {
      for (const item of node.items as unknown[]) stack.push(...(isPair(item) ? [item.key, item.value] : [item]));
    }
  }
  return first;
}

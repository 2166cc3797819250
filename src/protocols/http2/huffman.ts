import { HUFFMAN_CODES, HUFFMAN_LENGTHS } from './tables.js';

/**
 * HPACK's Huffman code (RFC 7541 §5.2) decoded with a byte-at-a-time state machine built once from the code
 * table: state = a node of the code tree, each input byte moves through 8 bits at once. A string whose padding
 * is longer than 7 bits or not all ones, or that contains EOS, is invalid (undefined).
 */
const LEAF = 0x10000;

/** Binary code tree: child[node * 2 + bit] = next node, or LEAF | symbol; 0 = no such code. */
function buildTree(): Int32Array {
  const child = new Int32Array(512 * 2);
  let nodes = 1;
  for (let sym = 0; sym < 256; sym++) {
    const code = HUFFMAN_CODES[sym]!;
    const len = HUFFMAN_LENGTHS[sym]!;
    let node = 0;
    for (let i = len - 1; i >= 0; i--) {
      const bit = (code >>> i) & 1;
      const at = node * 2 + bit;
      if (i === 0) child[at] = LEAF | sym;
      else {
        if (child[at] === 0) child[at] = nodes++;
        node = child[at]!;
      }
    }
  }
  return child;
}

const TREE = buildTree();

/** Decodes bytes[start, end) as a Huffman-coded string (latin1); undefined when not a valid encoding. */
export function huffmanDecode(bytes: Uint8Array, start: number, end: number): string | undefined {
  let node = 0;
  let depth = 0; // bits since the last symbol, all of them ones so far?
  let allOnes = true;
  let out = '';
  for (let i = start; i < end; i++) {
    const b = bytes[i]!;
    for (let k = 7; k >= 0; k--) {
      const bit = (b >>> k) & 1;
      const next = TREE[node * 2 + bit]!;
      if (next === 0) return undefined; // the EOS code (30 ones) or beyond: not a symbol
      if (next & LEAF) {
        out += String.fromCharCode(next & 0xff);
        node = 0;
        depth = 0;
        allOnes = true;
      } else {
        node = next;
        depth++;
        if (!bit) allOnes = false;
      }
    }
  }
  if (depth > 7 || !allOnes) return undefined;
  return out;
}

/** Huffman-encodes a latin1 string (tests and the fuzzer build valid blocks with it). */
export function huffmanEncode(s: string): Buffer {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < s.length; i++) {
    const sym = s.charCodeAt(i) & 0xff;
    const code = HUFFMAN_CODES[sym]!;
    const len = HUFFMAN_LENGTHS[sym]!;
    for (let k = len - 1; k >= 0; k--) {
      acc = (acc << 1) | ((code >>> k) & 1);
      if (++bits === 8) {
        out.push(acc & 0xff);
        acc = 0;
        bits = 0;
      }
    }
  }
  if (bits) out.push(((acc << (8 - bits)) | ((1 << (8 - bits)) - 1)) & 0xff);
  return Buffer.from(out);
}

import { createRequire } from 'node:module';

/**
 * A letter-bigram Markov model of English (27 symbols: a-z and space) that scores how "word-like" a token
 * is, as the Beyla/OBI route heuristic does: lower-case the token, keep only a-z and space, average the
 * log transition probabilities of adjacent pairs and take exp(). A token with no pair (one letter) scores 1.
 *
 * The bigram counts come from the `gibberish-detective` package (counted over a large English text);
 * they are add-10 smoothed and normalised per row here. The threshold is the one the reference uses.
 */
export const GIBBERISH_THRESHOLD = 0.015099318064947853;

const SYMBOLS = 27; // a..z = 0..25, space = 26
const SPACE = 26;

interface CountsFile {
  matrix: { x: string; y: number }[];
}

function symbolOf(code: number): number {
  if (code >= 97 && code <= 122) return code - 97;
  if (code >= 65 && code <= 90) return code - 65;
  if (code === 32) return SPACE;
  return -1;
}

function buildLogProbabilities(): Float64Array {
  const counts: CountsFile = createRequire(import.meta.url)('gibberish-detective/data/model.json');
  const table = new Float64Array(SYMBOLS * SYMBOLS).fill(10);
  for (const { x, y } of counts.matrix) {
    const a = symbolOf(x.charCodeAt(0));
    const b = symbolOf(x.charCodeAt(1));
    if (a >= 0 && b >= 0 && x.length === 2) table[a * SYMBOLS + b]! += y;
  }
  for (let row = 0; row < SYMBOLS; row++) {
    let sum = 0;
    for (let col = 0; col < SYMBOLS; col++) sum += table[row * SYMBOLS + col]!;
    for (let col = 0; col < SYMBOLS; col++) table[row * SYMBOLS + col] = Math.log(table[row * SYMBOLS + col]! / sum);
  }
  return table;
}

let logProb: Float64Array | undefined;

/** exp(mean log P(next | previous)) over the token's a-z/space pairs; 1 when it has fewer than two letters. */
export function wordScore(token: string, from = 0, to = token.length): number {
  const table = (logProb ??= buildLogProbabilities());
  let previous = -1;
  let total = 0;
  let pairs = 0;
  for (let i = from; i < to; i++) {
    const s = symbolOf(token.charCodeAt(i));
    if (s < 0) continue;
    if (previous >= 0) {
      total += table[previous * SYMBOLS + s]!;
      pairs++;
    }
    previous = s;
  }
  return pairs === 0 ? 1 : Math.exp(total / pairs);
}

export function isGibberish(token: string, from = 0, to = token.length): boolean {
  return wordScore(token, from, to) <= GIBBERISH_THRESHOLD;
}

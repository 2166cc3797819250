import { BoundedCache } from '../common/bounded-cache.js';
import { isGibberish } from './gibberish.js';

export interface HeuristicOptions {
  /** Replaces every segment that looks like an id (default '*'). */
  wildcard?: string;
  /** Path separators kept; the rest of the path is cut (default 10). */
  maxSegments?: number;
  /** Segment verdicts remembered (default 8192). */
  cacheSize?: number;
}

/**
 * The Beyla/OBI "heuristic" route classifier (research §5.2): query and fragment are dropped; each
 * '/'-separated segment stays when it is made of letters, '-', '_', '.' and space and every
 * '-'/'_'/'.'-separated token of it reads as a word (bigram model), otherwise it becomes the wildcard.
 * One non-letter is forgiven when it is the segment's second character (v1, k6-test-runs, j4elk).
 */
export class RouteHeuristic {
  readonly wildcard: string;
  readonly maxSegments: number;
  readonly #words: BoundedCache<string, boolean>;

  constructor(options: HeuristicOptions = {}) {
    this.wildcard = options.wildcard ?? '*';
    this.maxSegments = options.maxSegments ?? 10;
    this.#words = new BoundedCache(options.cacheSize ?? 8192);
  }

  classify(path: string): string {
    let end = path.length;
    for (let i = 0; i < path.length; i++) {
      const c = path.charCodeAt(i);
      if (c === 63 /* ? */ || c === 38 /* & */ || c === 35 /* # */) {
        end = i;
        break;
      }
    }
    if (end === 0) return '';
    let out = '';
    let start = 0;
    for (let separators = 0; ; separators++) {
      let slash = path.indexOf('/', start);
      if (slash < 0 || slash > end) slash = end;
      out += this.#segment(path, start, slash);
      if (slash >= end || separators + 1 >= this.maxSegments) return out;
      out += '/';
      start = slash + 1;
    }
  }

  #segment(path: string, from: number, to: number): string {
    if (from === to) return '';
    for (let i = from; i < to; i++) {
      if (!isValidChar(path.charCodeAt(i)) && !(i === from + 1 && path.charCodeAt(i) < 128)) return this.wildcard;
    }
    const segment = path.slice(from, to);
    let verdict = this.#words.get(segment);
    if (verdict === undefined) {
      verdict = isWord(segment);
      this.#words.set(segment, verdict);
    }
    return verdict ? segment : this.wildcard;
  }
}

function isValidChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 45 || c === 95 || c === 46 || c === 32;
}

/** Every '-', '_', '.'-separated token must be non-empty (a trailing delimiter is tolerated) and not gibberish. */
export function isWord(segment: string): boolean {
  let start = 0;
  for (let i = 0; i < segment.length; i++) {
    const c = segment.charCodeAt(i);
    if (c === 45 || c === 95 || c === 46) {
      if (i === start || isGibberish(segment, start, i)) return false;
      start = i + 1;
    }
  }
  return start >= segment.length || !isGibberish(segment, start, segment.length);
}

import { huffmanDecode } from './huffman.js';
import { STATIC_TABLE } from './tables.js';

/** A decoded header field; `name` or `value` undefined when it refers to a dynamic-table entry we never saw. */
export interface HeaderField {
  name: string | undefined;
  value: string | undefined;
}

interface Entry {
  name: string;
  value: string;
}

/** The decoding of one header block. */
export interface HeaderBlock {
  fields: HeaderField[];
  /** Fields that referred to table entries inserted before capture began (or after a loss): not guessed. */
  unknown: number;
}

const ENTRY_OVERHEAD = 32;
const DEFAULT_TABLE_SIZE = 4096;
/** No peer can make the table larger than this (SETTINGS_HEADER_TABLE_SIZE is a u32, real ones are small). */
const MAX_TABLE_SIZE = 1 << 20;
/** Header fields decoded per block at most (a block is at most a few KiB; a hostile one gets no further). */
const MAX_FIELDS = 512;

/**
 * HPACK decoding (RFC 7541) for one direction of one connection: the static table, the dynamic table and
 * Huffman strings. A table whose beginning we did not see (capture started mid-connection, a record was lost)
 * is "incomplete": entries inserted since are known (they are the newest, and the oldest are evicted first, so
 * a known entry is evicted only when the known entries alone exceed the size); an index past them is reported
 * as unknown, never guessed. A block that is not valid HPACK makes the whole table unknown from then on.
 */
export class HpackDecoder {
  /** Newest first: index 62 is entries[0]. */
  private entries: Entry[] = [];
  private size = 0;
  private maxSize = DEFAULT_TABLE_SIZE;
  /** False when older entries than ours may exist (see the class comment). */
  complete: boolean;

  constructor(complete = true) {
    this.complete = complete;
  }

  /** Forget everything known: what follows is decoded as if capture had just begun. */
  lose(): void {
    this.entries = [];
    this.size = 0;
    this.complete = false;
  }

  /** Decodes one complete header block; undefined when it is not valid HPACK (the table is then lost). */
  decode(b: Uint8Array): HeaderBlock | undefined {
    const block = this.decodeOrFail(b);
    if (!block) this.lose();
    return block;
  }

  private decodeOrFail(b: Uint8Array): HeaderBlock | undefined {
    const fields: HeaderField[] = [];
    let unknown = 0;
    const pos = { at: 0 };
    while (pos.at < b.length) {
      if (fields.length >= MAX_FIELDS) return undefined;
      const first = b[pos.at]!;
      if (first & 0x80) {
        // indexed field
        const idx = readInt(b, pos, 7);
        if (idx === undefined || idx === 0) return undefined;
        const e = this.lookup(idx);
        if (e === null) return undefined;
        if (e === undefined || e.name === undefined) unknown++;
        fields.push({ name: e?.name, value: e?.value });
      } else if ((first & 0xe0) === 0x20) {
        // dynamic table size update
        const size = readInt(b, pos, 5);
        if (size === undefined || size > MAX_TABLE_SIZE) return undefined;
        this.maxSize = size;
        this.evict(0);
      } else {
        const indexing = (first & 0xc0) === 0x40;
        const idx = readInt(b, pos, indexing ? 6 : 4);
        if (idx === undefined) return undefined;
        let name: string | undefined;
        let nameKnown = true;
        if (idx === 0) {
          name = readString(b, pos);
          if (name === undefined) return undefined;
        } else {
          const e = this.lookup(idx);
          if (e === null) return undefined;
          name = e?.name;
          nameKnown = name !== undefined;
        }
        const value = readString(b, pos);
        if (value === undefined) return undefined;
        if (!nameKnown) unknown++;
        fields.push({ name, value });
        if (indexing) this.insert(name, value);
      }
    }
    return { fields, unknown };
  }

  /** Entry `idx`: undefined when unknown (incomplete table), null when it cannot exist (a protocol error). */
  private lookup(idx: number): Entry | undefined | null {
    if (idx <= STATIC_TABLE.length) {
      const s = STATIC_TABLE[idx - 1]!;
      return { name: s[0], value: s[1] };
    }
    const k = idx - STATIC_TABLE.length - 1;
    if (k < this.entries.length) return this.entries[k]!;
    if (this.complete) return null;
    // Past the known entries: one inserted before we looked (it cannot exist past the table's size).
    return (k + 1) * ENTRY_OVERHEAD <= this.maxSize ? undefined : null;
  }

  private insert(name: string | undefined, value: string): void {
    if (name === undefined) {
      // Its size is unknown, so which of our entries it evicted is too: none is known any more.
      this.lose();
      return;
    }
    const size = name.length + value.length + ENTRY_OVERHEAD;
    this.evict(size);
    if (size > this.maxSize) {
      // an entry larger than the table empties it (RFC 7541 §4.4)
      this.entries = [];
      this.size = 0;
      this.complete = true;
      return;
    }
    this.entries.unshift({ name, value });
    this.size += size;
  }

  /**
   * Evicts oldest entries until `room` more bytes fit. Unknown entries are older than every known one, so
   * evicting a known entry, or known entries that leave no room for even an empty entry, mean none is left.
   */
  private evict(room: number): void {
    let popped = false;
    while (this.entries.length && this.size + room > this.maxSize) {
      const e = this.entries.pop()!;
      this.size -= e.name.length + e.value.length + ENTRY_OVERHEAD;
      popped = true;
    }
    if (popped || this.size + room + ENTRY_OVERHEAD > this.maxSize) this.complete = true;
  }
}

/** An HPACK integer with an n-bit prefix at pos.at (advanced); undefined when truncated or absurdly large. */
function readInt(b: Uint8Array, pos: { at: number }, n: number): number | undefined {
  const mask = (1 << n) - 1;
  let v = b[pos.at++]! & mask;
  if (v < mask) return v;
  let shift = 0;
  for (;;) {
    if (pos.at >= b.length || shift > 21) return undefined;
    const c = b[pos.at++]!;
    v += (c & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(c & 0x80)) return v;
  }
}

/** An HPACK string literal at pos.at (advanced); undefined when truncated or badly Huffman-coded. */
function readString(b: Uint8Array, pos: { at: number }): string | undefined {
  if (pos.at >= b.length) return undefined;
  const huffman = (b[pos.at]! & 0x80) !== 0;
  const len = readInt(b, pos, 7);
  if (len === undefined || pos.at + len > b.length) return undefined;
  const start = pos.at;
  pos.at += len;
  if (huffman) return huffmanDecode(b, start, start + len);
  return latin1(b, start, start + len);
}

function latin1(b: Uint8Array, start: number, end: number): string {
  return Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('latin1');
}

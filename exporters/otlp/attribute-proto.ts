import type { AttributeValue } from '../../src/model/span.js';
import { ProtoWriter } from './proto-writer.js';

/** KeyValue attributes (common.proto: KeyValue 1 key, 2 value; AnyValue 1 string, 2 bool, 3 int, 4 double). */
const tag = (field: number, wire: number) => (field << 3) | wire;
const LEN = 2;

/** Encoded `KeyValue.key` fields, interned: attribute names repeat on every span. */
const keyCache = new Map<string, Buffer>();
export function keyBytes(key: string): Buffer {
  let b = keyCache.get(key);
  if (b === undefined) {
    const k = Buffer.from(key, 'utf8');
    b = Buffer.concat([Buffer.from([tag(1, LEN)]), varintBytes(k.length), k]);
    if (keyCache.size < 4096) keyCache.set(key, b);
  }
  return b;
}

function varintBytes(v: number): Buffer {
  const w = new ProtoWriter(10);
  w.varint(v);
  return Buffer.from(w.finish());
}

export function writeAttribute(w: ProtoWriter, field: number, key: Buffer, value: AttributeValue): void {
  w.byte(tag(field, LEN));
  const kv = w.open();
  w.raw(key);
  w.byte(tag(2, LEN));
  const any = w.open();
  if (typeof value === 'string') {
    w.byte(tag(1, LEN));
    w.string(value);
  } else if (typeof value === 'boolean') {
    w.byte(tag(2, 0));
    w.byte(value ? 1 : 0);
  } else if (Number.isInteger(value) && value >= -(2 ** 63) && value < 2 ** 63) {
    w.byte(tag(3, 0));
    w.int64(value);
  } else {
    w.byte(tag(4, 1));
    w.double(value);
  }
  w.close(any);
  w.close(kv);
}

/**
 * A typed attribute as Span.attributes KeyValue (field 9). Most values are short ASCII strings or small non-negative
 * integers: those are written in one pass here — key and AnyValue tag from one pre-encoded prefix, both lengths set
 * after the value (one byte each: short) — 15–25 % of the encoder's time in-process; anything else (long or non-ASCII
 * strings, negative, fractional or large numbers, booleans) takes writeAttribute. Same bytes either way
 * (encode-traces.test.ts).
 */
export function writeTypedAttribute(w: ProtoWriter, key: string, value: AttributeValue): void {
  const short = typeof value === 'string' ? value.length <= SHORT_STRING : typeof value === 'number' && value >= 0 && value <= 0x7fffffff && (value | 0) === value;
  if (!short) return writeAttribute(w, 9, keyBytes(key), value);
  const prefix = kvPrefix(key);
  const n = prefix.length;
  if (n > 100) return writeAttribute(w, 9, keyBytes(key), value); // the KeyValue could reach 128 bytes
  w.ensure(n + 8 + SHORT_STRING);
  const b = w.buf;
  const kv = w.pos + 1;
  let at = kv + 1;
  for (let i = 0; i < n; i++) b[at++] = prefix[i]!;
  const any = at++;
  if (typeof value === 'string') {
    b[at++] = tag(1, LEN);
    b[at++] = value.length;
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c >= 128) return writeAttribute(w, 9, keyBytes(key), value); // nothing written yet: w.pos unchanged
      b[at++] = c;
    }
  } else {
    b[at++] = tag(3, 0);
    let v = value as number;
    for (; v > 127; v >>>= 7) b[at++] = (v & 127) | 128;
    b[at++] = v;
  }
  b[kv - 1] = tag(9, LEN);
  b[any] = at - any - 1;
  b[kv] = at - kv - 1;
  w.pos = at;
}

/** Strings up to this length take writeTypedAttribute's one pass (a KeyValue of at most 127 bytes with its key). */
const SHORT_STRING = 24;

/** `KeyValue.key` then the tag of `KeyValue.value`, per key. */
const prefixCache = new Map<string, Uint8Array>();
function kvPrefix(key: string): Uint8Array {
  let p = prefixCache.get(key);
  if (p === undefined) {
    const k = keyBytes(key);
    p = new Uint8Array(k.length + 1);
    p.set(k);
    p[k.length] = tag(2, LEN);
    if (prefixCache.size < 4096) prefixCache.set(key, p);
  }
  return p;
}

/** The general path for one attribute (what writeTypedAttribute must equal byte for byte). */
export function writeAttributeGeneral(w: ProtoWriter, key: string, value: AttributeValue): void {
  writeAttribute(w, 9, keyBytes(key), value);
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AddressInterner, formatAddress, isMappedV4, parseAddress } from '../addr.js';

/** WHATWG URL host serialization is RFC 5952 (lowercase, longest zero run compressed): a reference formatter. */
function reference(b: Uint8Array): string {
  const words = Array.from({ length: 8 }, (_, i) => ((b[2 * i]! << 8) | b[2 * i + 1]!).toString(16));
  return new URL(`http://[${words.join(':')}]/`).hostname.slice(1, -1);
}

test('IPv6 text matches the RFC 5952 form the WHATWG URL parser produces, and parses back', () => {
  // Bias towards zero words so compression cases are common.
  const word = fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
  fc.assert(fc.property(fc.array(word, { minLength: 8, maxLength: 8 }), (words) => {
    const b = new Uint8Array(16);
    words.forEach((w, i) => { b[2 * i] = w >> 8; b[2 * i + 1] = w & 0xff; });
    fc.pre(!isMappedV4(b));
    const text = formatAddress(b);
    assert.equal(text, reference(b));
    assert.deepEqual(parseAddress(text), b);
  }), { numRuns: 2000 });
});

test('v4-mapped addresses print as dotted IPv4 and IPv4 text parses to v4-mapped bytes', () => {
  const b = parseAddress('10.201.1.2')!;
  assert.deepEqual([...b], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 201, 1, 2]);
  assert.equal(formatAddress(b), '10.201.1.2');
  assert.deepEqual(parseAddress('::ffff:10.201.1.2'), b);
  assert.equal(formatAddress(parseAddress('::1')!), '::1');
  assert.equal(formatAddress(parseAddress('::')!), '::');
  assert.equal(parseAddress('10.0.0.256'), undefined);
  assert.equal(parseAddress('not-an-ip'), undefined);
});

test('the interner returns the same string for the same bytes, at any offset', () => {
  const i = new AddressInterner(4);
  const buf = Buffer.concat([Buffer.alloc(3), Buffer.from(parseAddress('fd00::1')!)]);
  const a = i.get(buf, 3);
  assert.equal(a, 'fd00::1');
  assert.equal(i.get(Buffer.from(parseAddress('fd00::1')!), 0), a);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAddress } from '../addr.js';
import { CidrError, CidrMatcher } from '../cidr.js';

const m = new CidrMatcher(['10.0.0.0/8', '10.201.0.0/16', '10.201.1.128/25', '0.0.0.0/0', 'fd00::/8', 'fd00:201::/32']);
const match = (a: string) => m.match(parseAddress(a)!);

test('the most specific network wins, IPv4 and IPv6 kept apart', () => {
  assert.equal(match('10.1.2.3'), '10.0.0.0/8');
  assert.equal(match('10.201.9.9'), '10.201.0.0/16');
  assert.equal(match('10.201.1.200'), '10.201.1.128/25');
  assert.equal(match('10.201.1.127'), '10.201.0.0/16');
  assert.equal(match('192.168.1.1'), '0.0.0.0/0');
  assert.equal(match('fd00:201:1::1'), 'fd00:201::/32');
  assert.equal(match('fd12::1'), 'fd00::/8');
  assert.equal(match('2001:db8::1'), undefined, 'an IPv4 /0 does not swallow IPv6');
});

test('non-byte-aligned prefixes and the empty matcher', () => {
  const n = new CidrMatcher(['172.16.0.0/12']);
  assert.equal(n.match(parseAddress('172.31.255.255')!), '172.16.0.0/12');
  assert.equal(n.match(parseAddress('172.32.0.0')!), undefined);
  assert.ok(new CidrMatcher([]).empty);
});

test('bad CIDRs are refused with what is allowed', () => {
  for (const bad of ['10.0.0.0/33', '10.0.0.0', 'fd00::/129', 'x/8', '10.0.0.0/-1']) {
    assert.throws(() => new CidrMatcher([bad]), (e: Error) => e instanceof CidrError && /use one like "10.0.0.0\/8"/.test(e.message), bad);
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InterfaceSelector, listInterfaces } from '../interfaces.js';

test('default selection: every interface but loopback', () => {
  const s = new InterfaceSelector([], ['lo']);
  assert.ok(s.matches('eth0'));
  assert.ok(s.matches('veth1234'));
  assert.ok(!s.matches('lo'));
});

test('globs include and exclude; a literal name in interfaces wins over the exclusions', () => {
  const s = new InterfaceSelector(['eth*', 'lo'], ['lo', 'eth9']);
  assert.ok(s.matches('eth0'));
  assert.ok(!s.matches('eth9'));
  assert.ok(!s.matches('wlan0'));
  assert.ok(s.matches('lo'), 'lo listed literally is watched despite the default exclusion');
  const g = new InterfaceSelector(['l*'], ['lo']);
  assert.ok(!g.matches('lo'), 'a glob does not override the exclusion');
});

test('listInterfaces reads this namespace from /sys/class/net (loopback is ifindex 1)', () => {
  const list = listInterfaces();
  assert.ok(list.some((i) => i.name === 'lo' && i.ifindex === 1));
});

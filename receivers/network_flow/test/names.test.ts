import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalAddresses, ReverseNames, parseHosts } from '../names.js';

test('hosts file: first name per address, comments and blank lines ignored, IPv6 canonicalised', () => {
  const h = parseHosts('# c\n127.0.0.1 localhost loopback\n\n10.0.0.5  db db.internal # primary\n10.0.0.5 other\n0:0::1 ip6-localhost\nbad line-without-ip\n');
  assert.equal(h.get('127.0.0.1'), 'localhost');
  assert.equal(h.get('10.0.0.5'), 'db');
  assert.equal(h.get('::1'), 'ip6-localhost');
  assert.equal(h.size, 3);
});

test('reverse names: hosts file first, then the host name for local addresses; reloaded on change', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nf-hosts-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'hosts');
  writeFileSync(file, '10.9.9.9 remote-db\n');
  const names = new ReverseNames(file, 'myhost', new LocalAddresses());
  assert.equal(names.name('10.9.9.9'), 'remote-db');
  assert.equal(names.name('127.0.0.1'), 'myhost');
  assert.equal(names.name('192.0.2.1'), undefined);
  writeFileSync(file, '10.9.9.9 renamed\n');
  utimesSync(file, new Date(), new Date(Date.now() + 5000));
  names.reload();
  assert.equal(names.name('10.9.9.9'), 'renamed');
  rmSync(file);
  names.reload();
  assert.equal(names.name('10.9.9.9'), undefined, 'a missing hosts file means no entries');
});

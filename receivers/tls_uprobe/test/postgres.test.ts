/**
 * PostgreSQL over TLS through tls_uprobe: Node's pg with `ssl` (Node's built-in OpenSSL) against a real
 * PostgreSQL with ssl=on. The plain socket shows an SSLRequest answered 'S' (kernel_socket stops there); the
 * decrypted bytes carry the StartupMessage and the statements, recognised and parsed by the same protocol
 * module as plain PostgreSQL. Port 21005.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startHarness, type Harness } from './harness.js';
import { PROGRAMS, startProc, stopAllProcs } from '../../kernel_socket/test/support.js';
import { startPostgres } from '../../kernel_socket/test/db-servers.js';
import { cleanUp } from '../../../test/support/cleanup.js';

const PORT = 21005;
let h: Harness | undefined;
after(() => cleanUp(() => h?.stop(), stopAllProcs));

test('Node pg over TLS: one span per statement with db.* attributes, the error marked, db.namespace from the encrypted startup', async () => {
  await startPostgres(PORT, true);
  h = await startHarness({ databases: { query_text: true } });
  const p = startProc(process.execPath, [join(PROGRAMS, 'db', 'client.mjs'), 'pgtls', String(PORT), h.marker], { stdin: true });
  await h.probed(p.pid, 15_000);
  p.child.stdin!.end('go\n');
  assert.equal(await p.exited(), 0, p.stderr());
  const mine = (s: { service: { process: { pid: number } }; protocol: string }) => s.service.process.pid === p.pid && s.protocol === 'sql';
  const spans = await h.waitSpans(mine, 3, 15_000);
  await new Promise((r) => setTimeout(r, 1500));
  const all = h.spans.filter(mine).sort((a, b) => (a.startUnixNano < b.startUnixNano ? -1 : 1));
  assert.equal(all.length, 3, all.map((s) => `${s.name} ${JSON.stringify(s.attributes)}`).join(' | '));
  assert.deepEqual(all.map((s) => s.name), ['SELECT users', 'SELECT users', 'DELETE nowhere']);
  for (const s of all) {
    assert.equal(s.kind, 'client');
    assert.equal(s.attributes['db.system.name'], 'postgresql');
    assert.equal(s.attributes['db.namespace'], 'shop');
  }
  assert.equal(all[0]!.attributes['db.query.text'], 'SELECT name FROM users WHERE id = ?');
  assert.equal(all[2]!.attributes['error.type'], '42P01');
  void spans;
});

/** /proc readers: listen tables and fds (on this process's own sockets), environ identity, cgroup container ids. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { parseListenLines, readListenTable } from '../proc/listen-table.js';
import { heldSockets } from '../proc/fds.js';
import { readProcessBasics } from '../proc/process.js';
import { declaredIdentity, parseEnviron, parseResourceAttributes } from '../proc/environ.js';
import { containerIdFromCgroup } from '../proc/container.js';
import { detectLanguage } from '../proc/language.js';

test('listening sockets of this process are found in /proc/net/tcp{,6} and among its fds', async (t) => {
  const v4 = createServer().listen(19590, '127.0.0.1');
  const v6 = createServer().listen(19591, '::1');
  t.after(() => { v4.close(); v6.close(); });
  await Promise.all([v4, v6].map((s) => new Promise((r) => s.once('listening', r))));
  const table = readListenTable('/proc/net')!;
  const ours = [...table].filter(([, port]) => port === 19590 || port === 19591);
  assert.equal(ours.length, 2);
  const held = heldSockets(process.pid, table)!;
  for (const [inode] of ours) assert.ok(held.has(inode), `inode ${inode} held by this process`);
  assert.equal(readListenTable(`/proc/${process.pid}/net`)!.size, table.size, 'same namespace, same table');
});

test('parseListenLines keeps LISTEN rows only and reads hex ports', () => {
  const text = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0',
    '   1: 0100007F:1F90 0100007F:D2A4 01 00000000:00000000 00:00000000 00000000     0        0 4343 1 0000000000000000 20 4 30 10 -1',
    '   2: 00000000000000000000000000000000:01BB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 77 1 0',
    '   3: garbage',
  ].join('\n');
  const out = new Map<number, number>();
  parseListenLines(text, out);
  assert.deepEqual([...out], [[4242, 8080], [77, 443]]);
});

test('process basics of this process', () => {
  const b = readProcessBasics(process.pid)!;
  assert.equal(b.exe, process.execPath);
  assert.equal(b.ppid, process.ppid);
  assert.ok(b.startTicks > 0 && b.netns > 0 && b.pidns > 0);
  assert.match(b.cmdline, /proc\.test\.ts/);
  assert.equal(readProcessBasics(2), undefined, 'kthreadd has no executable');
  assert.equal(detectLanguage(process.pid, b.exe), 'nodejs');
});

test('service identity declared in the environment', () => {
  const env = parseEnviron('A=1\0OTEL_SERVICE_NAME=cart\0OTEL_RESOURCE_ATTRIBUTES=service.name=x,service.namespace=shop,team=a%2Cb, k = v \0\0');
  assert.deepEqual(declaredIdentity(env), { name: 'cart', namespace: 'shop', attributes: { team: 'a,b', k: 'v' } });
  assert.deepEqual(declaredIdentity(parseEnviron('OTEL_RESOURCE_ATTRIBUTES=service.name=from-attrs')), { name: 'from-attrs', attributes: {} });
  // Unexpanded variables ($VAR) are not names; empty values neither.
  assert.deepEqual(declaredIdentity(parseEnviron('OTEL_SERVICE_NAME=$(SVC)\0OTEL_RESOURCE_ATTRIBUTES=service.namespace=')), { attributes: {} });
  assert.deepEqual(parseResourceAttributes('a=%E2%82%AC,bad,=x,b=%zz'), { a: '€', b: '%zz' });
});

test('container ids from the cgroup layouts of Docker, containerd, CRI-O and Kubernetes', () => {
  const id = 'f'.repeat(8) + '0123456789abcdef'.repeat(3) + 'abcdef01';
  assert.equal(id.length, 64);
  const cases: Array<[string, string | undefined]> = [
    [`0::/system.slice/docker-${id}.scope`, id],
    [`12:pids:/docker/${id}`, id],
    [`0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234.slice/cri-containerd-${id}.scope`, id],
    [`0::/kubepods/besteffort/pod0e1f/${id}`, id],
    [`0::/machine.slice/libpod-${id}.scope/container`, id], // podman: an inner cgroup under the scope
    [`0::/kubepods.slice/kubepods-pod1.slice/crio-${id}.scope`, id],
    [`1:name=systemd:/k8s.io/${id}`, id],
    ['0::/user.slice/user-0.slice/session-3.scope', undefined],
    ['0::/', undefined],
    ['', undefined],
  ];
  for (const [line, want] of cases) assert.equal(containerIdFromCgroup(line), want, line);
  assert.equal(containerIdFromCgroup(`11:memory:/\n0::/system.slice/docker-${id.toUpperCase()}.scope\n`), id);
});

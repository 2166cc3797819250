import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bpfObjectPath } from '../../src/bpf/paths.js';
import { ElfFile } from '../../src/elf/index.js';

/** Sections that would attach to the syscall entry/exit tracepoints: each puts every syscall of every process
 * on the host on the kernel's slow path, instrumented or not (measured: -10 to -16 % for nginx under wrk). */
const SYSCALL_HOOK = /^(tracepoint\/syscalls\/|tp_btf\/sys_(enter|exit)|raw_tp\/sys_(enter|exit)|raw_tracepoint\/sys_(enter|exit))/;

for (const object of ['kernel_socket', 'kernel_socket_large', 'tls']) {
  test(`${object}.bpf.o: socket-layer tracepoints only, no syscall hooks`, async () => {
    const elf = await ElfFile.open(bpfObjectPath(object));
    const sections = elf.sections.map((s) => s.name);
    await elf.close();
    assert.deepEqual(sections.filter((n) => SYSCALL_HOOK.test(n)), []);
    for (const s of ['tp_btf/sock_recv_length', 'tp_btf/sock_send_length', 'tp_btf/inet_sock_set_state']) {
      assert.ok(sections.includes(s), `${object} has ${s}`);
    }
  });
}

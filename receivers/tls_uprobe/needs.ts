import type { KernelNeeds } from '../../src/component/index.js';

/** Uprobes at the OpenSSL boundary, plus the socket-layer tracepoints kernel_socket's connection tracking uses. */
export const tlsUprobeNeeds: KernelNeeds = {
  core: false,
  does: 'plaintext of OpenSSL/Node TLS traffic (SSL_read/SSL_write)',
  required: [
    [{ probe: 'uprobe', what: 'uprobes' }],
    [{ probe: 'uretprobe', what: 'uretprobes' }],
    [{ probe: 'tp_btf_sock_io', what: 'tp_btf sock_recv_length/sock_send_length' }],
    [{ probe: 'ringbuf', what: 'ring buffers' }],
  ],
  optional: [],
};

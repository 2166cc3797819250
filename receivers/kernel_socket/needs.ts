import type { KernelNeeds } from '../../src/component/index.js';

/** Socket-layer tracepoints (tp_btf) only: syscall tracepoints would slow every syscall of every process. */
export const kernelSocketNeeds: KernelNeeds = {
  core: true,
  does: 'HTTP/1.x spans and RED metrics from the socket layer\'s tracepoints',
  required: [
    [{ probe: 'tp_btf_sock_io', what: 'tp_btf sock_recv_length/sock_send_length' }],
    [{ probe: 'tp_btf_sock', what: 'tp_btf inet_sock_set_state' }],
    [{ probe: 'ringbuf', what: 'ring buffers' }],
  ],
  optional: [],
};

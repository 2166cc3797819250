import type { KernelNeeds } from '../../src/component/index.js';

/** Flows from TC or, where TC is missing, AF_PACKET socket filters; TCP health from socket tracepoints. */
export const networkFlowNeeds: KernelNeeds = {
  core: true,
  does: 'L3/L4 flow bytes and packets per interface',
  required: [[{ probe: 'tc', what: 'TC clsact' }, { probe: 'socket_filter', what: 'AF_PACKET socket filters' }]],
  optional: [
    { probe: 'tc', what: 'TC clsact', loses: 'per-direction capture on chosen interfaces (uses socket filters)' },
    { probe: 'tp_btf_sock', what: 'tp_btf socket tracepoints', loses: 'TCP health events (connect, failures, retransmits)' },
  ],
};

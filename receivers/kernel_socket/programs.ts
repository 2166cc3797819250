import { PROPAGATION_PROGRAMS } from './propagation.js';

/** Programs of kernel_socket.bpf.o entered by tail call from the socket hooks, never attached themselves (the
 * machine's walk, verified once for both hooks: bpf/kernel_socket.bpf.c ks_sock_walk). */
export const TAIL_CALL_PROGRAMS: readonly string[] = ['ks_sock_walk'];

/** The programs to attach for capture: every program but the tail-call targets and context propagation's (those
 * attach only with context_propagation: headers, see propagation.ts). */
export function captureHooks(programs: readonly string[]): string[] {
  return programs.filter((p) => !PROPAGATION_PROGRAMS.includes(p) && !TAIL_CALL_PROGRAMS.includes(p));
}

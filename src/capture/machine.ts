/**
 * The connection machine's build and run-time constants, shared by every receiver that loads it
 * (bpf/include/ks_machine.h: kernel_socket.bpf.o, kernel_socket_large.bpf.o, tls.bpf.o).
 */

/** Capture sizes each probe object is built for (KS_CAPTURE_MAX): the default objects and the 8 KiB variant. */
export const SMALL_CAPTURE_MAX = 1024;
export const LARGE_CAPTURE_MAX = 8192;

/**
 * Ring-buffer wake-ups: one forced every this many records per CPU (and whenever a quarter of the ring waits);
 * otherwise the consumer finds the records at its next poll (poll_interval). A wake-up costs the writing
 * process ~13 µs of its own time on the project's VM (measured: 64 → 1024 saved ~200 ns per record), so
 * under load they are rare and at low rates the poll bounds the delay.
 */
export const RING_WAKEUP_EVERY = 4096;

/** The options every machine receiver has (connectionTracking). */
export interface MachineSizes {
  ring_buffer_size: number;
  max_connections: number;
  max_pending_requests: number;
}

/** Map sizes of the machine's maps from those options. */
export function machineMapSizes(c: MachineSizes): Record<string, number> {
  return { ks_events: c.ring_buffer_size, ks_conns: c.max_connections, ks_slots: c.max_pending_requests };
}

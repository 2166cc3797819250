/**
 * The capture core: what every receiver built on the connection machine (bpf/include/ks_machine.h) shares —
 * record decoding, service lookup, clock, span building, slot sweeping and the receive loop. A receiver keeps
 * only how it loads and attaches its object; a protocol plugs in as a CaptureProtocol.
 */
export { CaptureLoop, type CaptureCounters, type CaptureHooks, type CaptureLoopOptions } from './loop.js';
export type { CaptureProtocol } from './protocol.js';
export { KernelCounters, type CounterSlot } from './kernel-counters.js';
export { http1Protocol } from './http1.js';
export { http2Protocol } from './http2.js';
export { connectionTracking, RING_BUFFER_SIZES } from './config.js';
export { LARGE_CAPTURE_MAX, RING_WAKEUP_EVERY, SMALL_CAPTURE_MAX, machineMapSizes, type MachineSizes } from './machine.js';
export { decodeRecord, KsRecord, KS_HEADER_SIZE, KS_OFF, KS_REASON, KS_ROLE_CLIENT, KS_ROLE_SERVER } from './record.js';
export { recordToSpan, recordTimes, recordConnection } from './spans.js';
export { MonotonicClock } from './clock.js';
export type { ExpiryOutcome } from './sweeper.js';
export { wireProtocol, KS_PROTO } from './wire.js';
export { databaseOptions, machineProtocols, wireProtocols, wireRodata, WIRE_PROTOCOLS, type DatabaseOptions } from './wire-config.js';

import type { Logger } from '../../src/pipeline/logger.js';

/** Where lines go: stdout in the agent; tests pass their own. Returns false when the text was not written. */
export type LineSink = (text: string) => boolean;

/** Output buffered in the stream beyond this is a reader that does not keep up: lines are dropped (and counted by the caller). */
const MAX_PENDING_BYTES = 8 * 1024 * 1024;

let closed = false;
let hooked = false;

/** True once stdout failed for good (EPIPE: `lumen run | head`); shared by every printing exporter. */
export function stdoutClosed(): boolean {
  return closed;
}

/** stdout, minding EPIPE and a stuck reader: never throws, never buffers without bound. */
export function stdoutSink(logger: Logger): LineSink {
  return (text) => {
    if (!hooked) {
      hooked = true;
      process.stdout.on('error', (err: NodeJS.ErrnoException) => {
        closed = true;
        if (err.code !== 'EPIPE') logger.warn('cannot write to standard output', { err: err.message });
      });
    }
    if (closed || process.stdout.writableLength > MAX_PENDING_BYTES) return false;
    process.stdout.write(text);
    return !closed;
  };
}

import type { Logger } from '../../src/component/index.js';

/** Where lines go: stdout in the agent; tests pass their own. Returns false when the text was not written. */
export type LineSink = (text: string) => boolean;

/** A LineSink that also takes lines already encoded as UTF-8 (saves the string encoding on the hot path). */
export interface ByteLineSink extends LineSink {
  bytes(utf8: Uint8Array): boolean;
  /** True when every byte handed over has been written out, so the caller may overwrite the buffers it passed. */
  drained?(): boolean;
}

/** Output buffered in the stream beyond this is a reader that does not keep up: lines are dropped (and counted by the caller). */
const MAX_PENDING_BYTES = 8 * 1024 * 1024;

let closed = false;
let hooked = false;

/** True once stdout failed for good (EPIPE: `lumen run | head`); shared by every printing exporter. */
export function stdoutClosed(): boolean {
  return closed;
}

/** stdout, minding EPIPE and a stuck reader: never throws, never buffers without bound. */
export function stdoutSink(logger: Logger): ByteLineSink {
  const write = (data: string | Uint8Array): boolean => {
    if (!hooked) {
      hooked = true;
      process.stdout.on('error', (err: NodeJS.ErrnoException) => {
        closed = true;
        if (err.code !== 'EPIPE') logger.warn('cannot write to standard output', { err: err.message });
      });
    }
    if (closed || process.stdout.writableLength > MAX_PENDING_BYTES) return false;
    process.stdout.write(data);
    return !closed;
  };
  const sink = (text: string) => write(text);
  sink.bytes = (utf8: Uint8Array) => write(utf8);
  // Pipes, files and terminals are written synchronously on Linux: nothing is pending once write() returned, unless
  // the pipe was full (libuv then holds the rest, and our buffer, until it drains).
  sink.drained = () => process.stdout.writableLength === 0;
  return sink;
}

import type { OtlpSignal, SendResult, Transport } from './transport.js';

/**
 * A transport whose module is imported at the first send: @grpc/grpc-js is ~0.5 MiB of JavaScript that an
 * agent exporting over HTTP (or not over OTLP at all) should not load at start-up.
 */
export function lazyTransport(load: () => Promise<Transport>): Transport {
  let transport: Promise<Transport> | undefined;
  let closed = false;
  return {
    async send(signal: OtlpSignal, body: Uint8Array): Promise<SendResult> {
      if (closed) return { ok: false, retryable: false, message: 'the exporter is stopped' };
      try {
        return await (await (transport ??= load())).send(signal, body);
      } catch (e) {
        transport = undefined; // a failed import is tried again at the next send
        return { ok: false, retryable: true, message: `cannot load the transport: ${(e as Error).message}` };
      }
    },
    close() {
      closed = true;
      void transport?.then((t) => t.close(), () => {});
    },
  };
}

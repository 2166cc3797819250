export type OtlpSignal = 'traces' | 'metrics';

export type SendResult =
  | { ok: true }
  | { ok: false; retryable: boolean; message: string; retryAfterMs?: number };

/** Sends one encoded export request; never throws, always settles within the timeout. */
export interface Transport {
  /** Resolves once nothing reads `body` any more (the caller may then reuse its memory). */
  send(signal: OtlpSignal, body: Uint8Array): Promise<SendResult>;
  close(): void;
}

/** OTLP/HTTP: 429, 502, 503, 504 are retryable; other non-2xx answers are final. */
export function httpStatusRetryable(status: number): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504;
}

/** Retry-After as seconds or an HTTP date, in milliseconds. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const s = Number(value);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

import type { TlsFunctions } from './functions.js';

/** One uprobe to attach: a BPF program of bpf/tls.bpf.c at a file offset of a binary. */
export interface ProbePoint {
  readonly program: string;
  readonly offset: number;
  readonly retprobe: boolean;
  /** The function it instruments, for logs. */
  readonly fn: string;
}

export interface ProbePlan {
  readonly points: ProbePoint[];
  /** Functions probed, for the log line. */
  readonly probed: string[];
  /** Of SSL_read, SSL_read_ex, SSL_write, SSL_write_ex: those this binary lacks. */
  readonly missing: string[];
}

/** The entry probe notes which variant was called; one return program (tls_ret) serves them all. */
const pair = (enter: string, offset: number, fn: string): ProbePoint[] => [
  { program: enter, offset, retprobe: false, fn },
  { program: 'tls_ret', offset, retprobe: true, fn },
];

/**
 * Which probes cover a binary. When OpenSSL's internal read (write) is known, one entry/return pair there
 * sees SSL_read, SSL_read_ex and BIO_f_ssl reads alike, and the exported read functions are not probed
 * (each call would be seen twice). Otherwise every exported variant present gets its own pair.
 */
export function probePlan(f: TlsFunctions): ProbePlan {
  const points: ProbePoint[] = [];
  const probed: string[] = [];
  const missing = ['SSL_read', 'SSL_read_ex', 'SSL_write', 'SSL_write_ex'].filter((n) => !f.exports.has(n));
  const side = (internal: number | undefined, internalName: string, plain: string, ex: string, enter: string, enterEx: string) => {
    if (internal !== undefined) {
      points.push(...pair(enterEx, internal, internalName));
      probed.push(internalName);
      return;
    }
    const p = f.exports.get(plain), e = f.exports.get(ex);
    if (p !== undefined) { points.push(...pair(enter, p, plain)); probed.push(plain); }
    if (e !== undefined) { points.push(...pair(enterEx, e, ex)); probed.push(ex); }
  };
  side(f.readInternal, 'ssl_read_internal', 'SSL_read', 'SSL_read_ex', 'tls_read_enter', 'tls_read_ex_enter');
  side(f.writeInternal, 'ssl_write_internal', 'SSL_write', 'SSL_write_ex', 'tls_write_enter', 'tls_write_ex_enter');
  const free = f.exports.get('SSL_free');
  if (free !== undefined && points.length) { points.push({ program: 'tls_free', offset: free, retprobe: false, fn: 'SSL_free' }); probed.push('SSL_free'); }
  return { points, probed, missing };
}

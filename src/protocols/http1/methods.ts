/**
 * HTTP method codes shared with BPF (bpf/include/http1_detect.h, H1_M_*), and the interned method strings.
 */
export const METHOD_BY_CODE: readonly string[] = [
  '', 'GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'CONNECT', 'TRACE',
];

export const H1_M_HEAD = 5;

const INTERNED = new Map<string, string>(METHOD_BY_CODE.filter(Boolean).map((m) => [m, m]));

/** The method for a BPF method code, or '' for an unknown code. */
export function methodFromCode(code: number): string {
  return METHOD_BY_CODE[code] ?? '';
}

/** Returns the interned copy of a well-known method (so spans share one string), or the string itself. */
export function internMethod(method: string): string {
  return INTERNED.get(method) ?? method;
}

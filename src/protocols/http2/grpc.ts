/** gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html) by number. */
export const GRPC_STATUS_NAMES: readonly string[] = [
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS',
  'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED',
  'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED',
];

/** Statuses that are a server's fault (OTel gRPC conventions): a server span is an error only for these. */
export const GRPC_SERVER_ERRORS = new Set([2, 4, 12, 13, 14, 15]);

/** "/pkg.Service/Method" → "pkg.Service/Method" (the fully-qualified method), or undefined when not that shape. */
export function grpcMethod(path: string): string | undefined {
  if (path.length < 4 || path[0] !== '/') return undefined;
  const slash = path.indexOf('/', 1);
  if (slash <= 1 || slash === path.length - 1 || path.indexOf('/', slash + 1) !== -1) return undefined;
  return path.slice(1);
}

/**
 * Service identity a process declares for itself in its environment (/proc/PID/environ):
 * OTEL_SERVICE_NAME, and OTEL_RESOURCE_ATTRIBUTES (`k1=v1,k2=v2`, values percent-encoded).
 * OTEL_SERVICE_NAME wins over service.name in the attributes, as the OTel SDK specification says.
 * Values that still start with `$` are unexpanded shell/k8s variables and are ignored.
 */
export interface DeclaredIdentity {
  name?: string;
  namespace?: string;
  /** Other resource attributes (service.name / service.namespace removed). */
  attributes: Record<string, string>;
}

export function parseEnviron(raw: string): Map<string, string> {
  const env = new Map<string, string>();
  for (const entry of raw.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) env.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return env;
}

export function declaredIdentity(env: ReadonlyMap<string, string>): DeclaredIdentity {
  const attributes = parseResourceAttributes(env.get('OTEL_RESOURCE_ATTRIBUTES') ?? '');
  const out: DeclaredIdentity = { attributes };
  const fromAttrs = attributes['service.name'];
  const fromEnv = usable(env.get('OTEL_SERVICE_NAME'));
  const name = fromEnv ?? usable(fromAttrs);
  if (name !== undefined) out.name = name;
  const namespace = usable(attributes['service.namespace']);
  if (namespace !== undefined) out.namespace = namespace;
  delete attributes['service.name'];
  delete attributes['service.namespace'];
  return out;
}

export function parseResourceAttributes(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const key = pair.slice(0, eq).trim();
    const value = decode(pair.slice(eq + 1).trim());
    if (key !== '' && usable(value) !== undefined) out[key] = value;
  }
  return out;
}

function usable(v: string | undefined): string | undefined {
  return v === undefined || v === '' || v.startsWith('$') ? undefined : v;
}

function decode(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v; // not percent-encoded after all: keep it as written
  }
}

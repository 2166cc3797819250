/** Prometheus naming and text-format escaping (exposition format 0.0.4). */

const INVALID = /[^a-zA-Z0-9_]/g;
const cache = new Map<string, string>();

/** An OTel attribute name as a Prometheus label name: "http.route" → "http_route", "1x" → "_1x". */
export function labelName(attr: string): string {
  let n = cache.get(attr);
  if (n === undefined) {
    n = attr.replace(INVALID, '_');
    if (/^[0-9]/.test(n)) n = `_${n}`;
    if (cache.size < 10_000) cache.set(attr, n);
  }
  return n;
}

/** Label values: backslash, double quote and line feed are escaped. */
export function escapeLabelValue(v: string): string {
  return /[\\"\n]/.test(v) ? v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : v;
}

/** HELP text: backslash and line feed are escaped. */
export function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Sample values as Prometheus parses them (Go float syntax, ±Inf, NaN). */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** `{a="1",b="2"}` from label pairs; pairs with an empty name or a repeated name are skipped (first wins). */
export function renderLabels(pairs: readonly (readonly [string, string])[]): string {
  const seen = new Set<string>();
  let out = '';
  for (const [k, v] of pairs) {
    if (!k || seen.has(k)) continue;
    seen.add(k);
    out += `${out ? ',' : ''}${k}="${escapeLabelValue(v)}"`;
  }
  return out;
}

/** Beyla's job label: "<service.namespace>/<service.name>", or just the name without a namespace. */
export function jobLabel(name: string, namespace: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

import type { PathSegment } from '../errors.js';
import { isPlainObject } from '../freeze.js';
import type { LumenOut } from './out.js';
import type { BeylaReader } from './reader.js';
import { regexToGlob } from './regex-glob.js';

const LUMEN_SELECTORS = ['open_ports', 'exe_path', 'cmd_args', 'target_pids', 'languages', 'containers_only'];
const LANGUAGES = new Set(['go', 'java', 'nodejs', 'python', 'ruby', 'dotnet', 'cpp', 'rust', 'php']);

/**
 * Beyla's process selection → Lumen's `discovery:`. The top-level quick selectors (open_port, executable_name,
 * auto_target_exe, target_pids) make one entry (all must match, as in Beyla); `discovery.instrument` (globs)
 * and `discovery.services` (regular expressions) entries are translated one by one.
 */
export function translateDiscovery(r: BeylaReader, out: LumenOut): void {
  const instrument: PathSegment[] = ['discovery', 'instrument'];
  let n = 0;
  const quick = quickSelectors(r);
  if (quick) {
    for (const [k, [v, from]] of Object.entries(quick)) out.set([...instrument, n, k], v, r.origin(from));
    n++;
  }
  const lists: [string, PathSegment[], boolean][] = [
    ['instrument', instrument, false], ['services', instrument, true],
    ['exclude_instrument', ['discovery', 'exclude_instrument'], false], ['exclude_services', ['discovery', 'exclude_instrument'], true],
    ['default_exclude_instrument', ['discovery', 'default_exclude_instrument'], false], ['default_exclude_services', ['discovery', 'default_exclude_instrument'], true],
  ];
  const counts = new Map<string, number>([[instrument.join('.'), n]]);
  for (const [name, target, regex] of lists) {
    const path: PathSegment[] = ['discovery', name];
    const list = r.get(path);
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) {
      r.warn(path, 'must be a list of selector entries; ignored');
      continue;
    }
    list.forEach((item, i) => {
      const entry = selectorEntry(r, [...path, i], item, regex, target === instrument);
      if (!entry) return;
      const k = target.join('.');
      const idx = k === instrument.join('.') ? n++ : (counts.get(k) ?? 0);
      counts.set(k, idx + 1);
      out.set([...target, idx], entry, r.origin([...path, i]));
    });
  }
  for (const opt of ['poll_interval', 'min_process_age']) {
    const v = r.get(['discovery', opt]);
    if (v === undefined || v === null || v === 0 || v === '0' || v === '0s') continue;
    out.set(['discovery', opt], String(v), r.origin(['discovery', opt]));
  }
}

/** The quick selectors' entry: each field with the option it comes from. */
function quickSelectors(r: BeylaReader): Record<string, [unknown, PathSegment[]]> | undefined {
  const entry: Record<string, unknown> = {};
  const from: Record<string, PathSegment[]> = { open_ports: ['open_port'], languages: ['auto_target_language'], target_pids: ['target_pids'], name: ['service_name'], namespace: ['service_namespace'] };
  const port = r.get(['open_port']);
  if (port !== undefined && port !== null && port !== '') entry['open_ports'] = typeof port === 'number' ? port : String(port);
  const glob = r.get(['auto_target_exe']);
  if (typeof glob === 'string' && glob) {
    entry['exe_path'] = glob;
    from['exe_path'] = ['auto_target_exe'];
  }
  for (const name of ['executable_name', 'executable_path']) {
    const re = r.get([name]);
    if (typeof re !== 'string' || !re) continue;
    const g = regexToGlob(re);
    if (g) {
      entry['exe_path'] = g;
      from['exe_path'] = [name];
    } else r.warn([name], `the regular expression ${JSON.stringify(re)} has no glob equivalent; write auto_target_exe (a glob) instead; left out`);
  }
  const lang = r.get(['auto_target_language']);
  if (typeof lang === 'string' && lang) {
    if (LANGUAGES.has(lang.toLowerCase())) entry['languages'] = [lang.toLowerCase()];
    else r.warn(['auto_target_language'], `unknown language ${JSON.stringify(lang)}, known: ${[...LANGUAGES].join(', ')}; left out`);
  }
  const pids = pidList(r.get(['target_pids']));
  if (pids) entry['target_pids'] = pids;
  if (Object.keys(entry).length === 0) {
    for (const k of ['service_name', 'service_namespace']) {
      if (r.has([k])) r.warn([k], 'names the service chosen by open_port / executable selectors, and none is set; ignored');
    }
    return undefined;
  }
  const name = r.get(['service_name']);
  if (typeof name === 'string' && name) entry['name'] = name;
  const ns = r.get(['service_namespace']);
  if (typeof ns === 'string' && ns) entry['namespace'] = ns;
  return Object.fromEntries(Object.entries(entry).map(([k, v]) => [k, [v, from[k]!]]));
}

function selectorEntry(r: BeylaReader, path: PathSegment[], item: unknown, regex: boolean, naming: boolean): Record<string, unknown> | undefined {
  if (!isPlainObject(item)) {
    r.warn(path, `must be a mapping of selectors, got ${JSON.stringify(item)}; left out`);
    return undefined;
  }
  const entry: Record<string, unknown> = {};
  const ports = r.get([...path, 'open_ports']);
  if (ports !== undefined && ports !== null) entry['open_ports'] = typeof ports === 'number' ? ports : String(ports);
  for (const k of ['exe_path', 'exe_path_regexp']) {
    const v = r.get([...path, k]);
    if (typeof v !== 'string' || !v) continue;
    if (!regex && k === 'exe_path') {
      entry['exe_path'] = v;
      continue;
    }
    const g = regexToGlob(v);
    if (g) entry['exe_path'] = g;
    else r.warn([...path, k], `the regular expression ${JSON.stringify(v)} has no glob equivalent; use discovery.instrument with a glob exe_path; left out`);
  }
  const args = r.get([...path, 'cmd_args']);
  if (typeof args === 'string' && args) entry['cmd_args'] = regex ? regexToGlob(args) ?? args : args;
  const langs = r.get([...path, 'languages']);
  if (langs !== undefined) {
    const list = (Array.isArray(langs) ? langs : [langs]).map((l) => String(l).toLowerCase());
    const known = list.filter((l) => LANGUAGES.has(l));
    if (known.length !== list.length) r.warn([...path, 'languages'], `unknown languages ${JSON.stringify(list.filter((l) => !LANGUAGES.has(l)))} left out, known: ${[...LANGUAGES].join(', ')}`);
    if (known.length) entry['languages'] = known;
  }
  const pids = pidList(r.get([...path, 'target_pids']) ?? r.get([...path, 'pids']) ?? r.get([...path, 'pid']));
  if (pids) entry['target_pids'] = pids;
  const containers = r.get([...path, 'containers_only']);
  if (typeof containers === 'boolean') entry['containers_only'] = containers;
  if (!LUMEN_SELECTORS.some((s) => s in entry)) {
    const others = Object.keys(item).filter((k) => k !== 'name' && k !== 'namespace');
    const k8s = others.some((k) => k.startsWith('k8s_') || k === 'container_name');
    r.warn(path, `selects by ${others.join(', ') || 'nothing'}${k8s ? ', which needs Kubernetes/container metadata Lumen does not have yet' : ''}; this entry is left out, the others run`);
    r.silence(path);
    return undefined;
  }
  if (naming) {
    for (const k of ['name', 'namespace']) {
      const v = r.get([...path, k]);
      if (typeof v === 'string' && (v || k === 'namespace')) entry[k] = v;
    }
  }
  return entry;
}

function pidList(v: unknown): number[] | undefined {
  if (v === undefined || v === null) return undefined;
  const list = Array.isArray(v) ? v : String(v).split(',');
  const pids = list.map((p) => Number(String(p).trim())).filter((p) => Number.isInteger(p) && p > 0);
  return pids.length ? pids : undefined;
}

/**
 * Where the agent's main thread spends its time, per Lumen component, from a V8 CPU profile of the real agent
 * (bench/agent-cost --cpu-prof): each sample goes to the nearest frame on its stack that is Lumen code (so
 * Buffer.write called by print_traces counts as print_traces), GC to "GC", the profiler's own work and idle
 * time are left out. With the main thread's CPU-seconds and the span count, the shares become µs per span.
 *
 *   node --import tsx bench/agent-cost/profile-summary.ts FILE.cpuprofile [--cpu-s 0.75 --spans 200000]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The component a frame belongs to ('' for frames that are not Lumen code: node internals, rxjs, natives). */
export function componentOf(url: string): string {
  const m = /\/(receivers|processors|exporters)\/([a-z_0-9]+)\//.exec(url);
  if (m) return `${m[1]!.replace(/s$/, '')} ${m[2]}`;
  const core = /\/src\/([a-z_0-9]+)\//.exec(url);
  if (core && !url.includes('/node_modules/')) return core[1] === 'capture' || core[1] === 'bpf' ? 'receiver (capture loop, ring)' : `core ${core[1]}`;
  if (url.includes('/node_modules/rxjs/')) return 'rxjs';
  return '';
}

/** Milliseconds per component (busy time only: idle, profiler and `(program)` left out). */
export function summarize(profile: CpuProfile): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = new Map<number, string>();
  const labelOf = (id: number): string => {
    const known = label.get(id);
    if (known !== undefined) return known;
    const n = byId.get(id)!;
    const f = n.callFrame;
    let l: string;
    if (f.functionName === '(garbage collector)') l = 'GC';
    else if (f.functionName === '(idle)' || f.functionName === '(program)') l = 'idle';
    else if (f.functionName === '(root)') l = '';
    else if (f.url.includes('profiled-cli') || f.url === 'node:inspector') l = 'idle'; // the profiler's own work
    else {
      const up = parent.get(id);
      const above = up === undefined ? '' : labelOf(up);
      // The nearest Lumen frame wins; a profiler frame anywhere above marks the sample as the profiler's.
      l = above === 'idle' ? 'idle' : componentOf(f.url) || above;
    }
    label.set(id, l);
    return l;
  };
  const out = new Map<string, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const l = labelOf(profile.samples[i]!) || 'node (no Lumen frame on the stack)';
    if (l !== 'idle') out.set(l, (out.get(l) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }
  return out;
}

/** A markdown table: component, share of busy samples, and µs per span when the thread's CPU and spans are given. */
export function summaryTable(file: string, cpuSeconds?: number, spans?: number): string {
  const parts = [...summarize(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile)].sort((a, b) => b[1] - a[1]);
  const busy = parts.reduce((s, [, ms]) => s + ms, 0);
  const perSpan = cpuSeconds !== undefined && spans ? (cpuSeconds * 1e6) / spans : undefined;
  const rows = parts.map(([name, ms]) => `| ${name} | ${((100 * ms) / busy).toFixed(1)} % |${perSpan === undefined ? '' : ` ${((perSpan * ms) / busy).toFixed(2)} |`}`);
  const head = perSpan === undefined ? '| component | share of busy samples |\n|---|---|' : '| component | share of busy samples | ≈ µs per span (main thread) |\n|---|---|---|';
  return `${head}\n${rows.join('\n')}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({ options: { 'cpu-s': { type: 'string' }, spans: { type: 'string' } }, allowPositionals: true });
  if (positionals.length !== 1) {
    console.error('usage: profile-summary.ts FILE.cpuprofile [--cpu-s MAIN_THREAD_CPU_SECONDS --spans N]');
    process.exit(2);
  }
  console.log(summaryTable(positionals[0]!, values['cpu-s'] === undefined ? undefined : Number(values['cpu-s']), values.spans === undefined ? undefined : Number(values.spans)));
}

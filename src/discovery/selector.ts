import picomatch from 'picomatch';
import type { Language } from '../model/service.js';
import { parsePortRanges, portInRanges } from '../config/port-ranges.js';
import type { InstrumentEntry, ProcessSelector } from './config.js';

/** What a selector looks at. Expensive facts (language, container) are computed only when a selector asks. */
export interface Candidate {
  readonly pid: number;
  readonly exe: string;
  readonly cmdline: string;
  readonly ports: readonly number[];
  language(): Language;
  inContainer(): boolean;
}

export type Matcher = (c: Candidate) => boolean;

/** Globs as Beyla writes them: `*` also crosses `/` (bash globstar semantics), dotfiles match. */
export function compileGlob(glob: string): (s: string) => boolean {
  return picomatch(glob, { bash: true, dot: true });
}

/** All selectors of one entry ANDed, cheapest first. An entry without selectors matches nothing. */
export function compileSelector(sel: ProcessSelector): Matcher {
  const tests: Matcher[] = [];
  if (sel.target_pids) {
    const pids = new Set(sel.target_pids);
    tests.push((c) => pids.has(c.pid));
  }
  if (sel.open_ports !== undefined) {
    const ranges = parsePortRanges(sel.open_ports);
    tests.push((c) => c.ports.some((p) => portInRanges(p, ranges)));
  }
  if (sel.exe_path !== undefined) {
    const m = compileGlob(sel.exe_path);
    tests.push((c) => m(c.exe));
  }
  if (sel.cmd_args !== undefined) {
    const m = compileGlob(sel.cmd_args);
    tests.push((c) => m(c.cmdline));
  }
  if (sel.containers_only) tests.push((c) => c.inContainer());
  if (sel.languages) {
    const langs = new Set<Language>(sel.languages);
    tests.push((c) => langs.has(c.language()));
  }
  if (tests.length === 0) return () => false;
  return (c) => tests.every((t) => t(c));
}

/** An entry names processes (rather than describing them): default exclusions do not apply to what it selects. */
export function isExplicit(entry: ProcessSelector): boolean {
  return entry.exe_path !== undefined || entry.cmd_args !== undefined || entry.target_pids !== undefined;
}

export interface CompiledEntry {
  readonly index: number;
  readonly entry: InstrumentEntry;
  readonly explicit: boolean;
  readonly match: Matcher;
}

export interface CompiledSelection {
  readonly instrument: readonly CompiledEntry[];
  readonly exclude: readonly Matcher[];
  readonly defaultExclude: readonly Matcher[];
}

export function compileSelection(instrument: readonly InstrumentEntry[], exclude: readonly ProcessSelector[],
  defaultExclude: readonly ProcessSelector[]): CompiledSelection {
  return {
    instrument: instrument.map((entry, index) => ({ index, entry, explicit: isExplicit(entry), match: compileSelector(entry) })),
    exclude: exclude.map(compileSelector),
    defaultExclude: defaultExclude.map(compileSelector),
  };
}

/** Whether exclusions remove a candidate that `entry` selected. */
export function excluded(sel: CompiledSelection, entry: CompiledEntry, c: Candidate): boolean {
  if (sel.exclude.some((m) => m(c))) return true;
  return !entry.explicit && sel.defaultExclude.some((m) => m(c));
}

/** The first instrument entry that selects the candidate and is not cancelled by exclusions. */
export function selectEntry(sel: CompiledSelection, c: Candidate): CompiledEntry | undefined {
  for (const e of sel.instrument) if (e.match(c) && !excluded(sel, e, c)) return e;
  return undefined;
}

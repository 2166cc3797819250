import { statSync } from 'node:fs';
import type { Language } from '../../model/service.js';
import { readElfSections, sectionContains } from './elf.js';
import { readProcText } from './process.js';

/**
 * Language / runtime of a process, from (in order):
 *  1. its executable's ELF sections: `.go.buildinfo` (every Go binary since 1.13, stripped or not) → go;
 *  2. the runtime libraries it has mapped (/proc/PID/maps): libjvm → java, libcoreclr → dotnet,
 *     libnode → nodejs, libpython → python, libruby → ruby, libphp → php (embedded runtimes: uwsgi, mod_php…);
 *  3. the executable's name: java, node, python3.11, ruby3.1, dotnet, php-fpm8.2 …;
 *  4. Rust's std panic locations ("/rustc/<hash>/library/…") in .rodata → rust;
 *  5. otherwise a native ELF → cpp (C/C++ and anything else native); not ELF → unknown.
 * Results for the executable alone are cached by (device, inode, mtime): steps 1, 4 and 5 read the file once.
 */
const MAPPED: ReadonlyArray<[RegExp, Language]> = [
  [/\/libjvm\.so$/, 'java'],
  [/\/libcoreclr\.so$/, 'dotnet'],
  [/\/libnode\.so[.\d]*$/, 'nodejs'],
  [/\/libpython\d[.\d]*m?\.so[.\d]*$/, 'python'],
  [/\/libruby[-.\d]*\.so[.\d]*$/, 'ruby'],
  [/\/libphp\d*\.so$/, 'php'],
];

const EXE_NAMES: ReadonlyArray<[RegExp, Language]> = [
  [/^java$/, 'java'],
  [/^(node|nodejs|bun|deno)$/, 'nodejs'],
  [/^(python|pypy)\d*(\.\d+)?[dmu]*$/, 'python'],
  [/^(ruby|jruby)\d*(\.\d+)*$/, 'ruby'],
  [/^dotnet$/, 'dotnet'],
  [/^php(-fpm|-cgi)?\d*(\.\d+)?$/, 'php'],
];

type ExeKind = 'go' | 'rust' | 'native' | 'not-elf';
interface ExeFacts { kind: ExeKind; rodata?: { offset: number; size: number } }
const exeCache = new Map<string, ExeFacts>();
const RUSTC = Buffer.from('/rustc/');

export function detectLanguage(pid: number, exe: string): Language {
  const exePath = `/proc/${pid}/exe`;
  const facts = exeFacts(exePath);
  if (facts.kind === 'go') return 'go';
  const fromMaps = mappedRuntime(pid);
  if (fromMaps) return fromMaps;
  const base = exe.slice(exe.lastIndexOf('/') + 1);
  for (const [re, lang] of EXE_NAMES) if (re.test(base)) return lang;
  if (facts.kind === 'not-elf') return 'unknown';
  if (facts.kind === 'native' && facts.rodata) {
    // Only now (an unrecognised native binary) scan .rodata once for Rust's panic locations.
    facts.kind = sectionContains(exePath, facts.rodata, RUSTC) ? 'rust' : 'native';
    delete facts.rodata;
  }
  return facts.kind === 'rust' ? 'rust' : 'cpp';
}

function mappedRuntime(pid: number): Language | undefined {
  const maps = readProcText(pid, 'maps', 'latin1');
  for (const line of maps.split('\n')) {
    const slash = line.indexOf('/');
    if (slash < 0 || !line.includes('.so')) continue;
    const path = line.slice(slash);
    for (const [re, lang] of MAPPED) if (re.test(path)) return lang;
  }
  return undefined;
}

function exeFacts(exePath: string): ExeFacts {
  let key: string;
  try {
    const st = statSync(exePath);
    key = `${st.dev}:${st.ino}:${st.mtimeMs}`;
  } catch {
    return { kind: 'not-elf' };
  }
  const cached = exeCache.get(key);
  if (cached) return cached;
  const facts = classify(exePath);
  if (exeCache.size > 4096) exeCache.clear();
  exeCache.set(key, facts);
  return facts;
}

function classify(exePath: string): ExeFacts {
  const elf = readElfSections(exePath);
  if (!elf) return { kind: 'not-elf' };
  if (elf.names.has('.go.buildinfo') || elf.names.has('.gopclntab')) return { kind: 'go' };
  const rodata = elf.byName.get('.rodata');
  return rodata ? { kind: 'native', rodata } : { kind: 'native' };
}

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LumenError } from '../errors/lumen-error.js';

let root: string | undefined;

/** The package root (the directory of Lumen's package.json), found from this file in src/ (tsx) or dist/src/. */
export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && isLumen(pkg)) return (root = dir);
    const up = dirname(dir);
    if (up === dir) throw new LumenError('LUMEN_PACKAGE_LAYOUT', `cannot find Lumen's package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

function isLumen(pkg: string): boolean {
  try {
    return (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'lumen';
  } catch {
    return false;
  }
}

/** Absolute path of build/bpf/<name>.bpf.o (built by `make -C bpf`). `name` is the family, e.g. "network_flow". */
export function bpfObjectPath(name: string): string {
  const base = name.endsWith('.bpf.o') ? name.slice(0, -'.bpf.o'.length) : name;
  return resolve(packageRoot(), 'build', 'bpf', `${base}.bpf.o`);
}

/** Absolute path of the native addon. */
export function addonPath(): string {
  return resolve(packageRoot(), 'build', 'Release', 'lumen_bpf.node');
}

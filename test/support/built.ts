import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = new URL('../..', import.meta.url).pathname;
/** What the package entry runs: the compiled TypeScript. */
export const DIST_ENTRY = join(ROOT, 'dist/distribution/index.js');
/** What `bin/lumen.js` runs: the CLI bundled from it (scripts/bundle.mjs). */
export const CLI_BUNDLE = join(ROOT, 'dist/bundle/lumen.mjs');

/** Newest mtime of the TypeScript dist/ is compiled from (src/, distribution/, receivers/, processors/, exporters/). */
function newestSource(): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of ['src', 'distribution', 'receivers', 'processors', 'exporters']) if (existsSync(join(ROOT, d))) walk(join(ROOT, d));
  return newest;
}

/**
 * `npm test` builds first (scripts/setup.sh); a test file run alone may find dist/ stale: rebuild it then, so
 * tests of the built package (bin/lumen.js, `import 'lumen'`) run the current code.
 */
export function ensureBuilt(): void {
  if (!existsSync(DIST_ENTRY) || statSync(DIST_ENTRY).mtimeMs < newestSource()) {
    spawnSync('npx', ['--no-install', 'tsc', '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'ignore' });
  }
  if (!existsSync(DIST_ENTRY)) throw new Error(`${DIST_ENTRY} is missing and tsc did not produce it (npm run build)`);
  if (!existsSync(CLI_BUNDLE) || statSync(CLI_BUNDLE).mtimeMs < statSync(DIST_ENTRY).mtimeMs) {
    spawnSync(process.execPath, ['scripts/bundle.mjs'], { cwd: ROOT, stdio: 'ignore' });
  }
  if (!existsSync(CLI_BUNDLE)) throw new Error(`${CLI_BUNDLE} is missing and scripts/bundle.mjs did not produce it (npm run build)`);
}

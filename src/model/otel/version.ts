import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Lumen's own version (package.json), reported as telemetry.sdk.version and the OTLP scope version. */
export const LUMEN_VERSION: string = findVersion();

function findVersion(): string {
  // Works from src/ (tsx) and from dist/src/ (compiled): walk up to the package.json named "lumen".
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'lumen' && pkg.version) return pkg.version;
    } catch {
      // not here: keep walking up
    }
    dir = dirname(dir);
  }
  return '0.0.0';
}

/** The instrumentation scope every Lumen span and metric is reported under. */
export const LUMEN_SCOPE = Object.freeze({ name: 'lumen', version: LUMEN_VERSION });

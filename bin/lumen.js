#!/usr/bin/env node
// The `lumen` command. It runs the bundled CLI (dist/bundle/, built by scripts/build.sh: a few files load in a
// fraction of the time of the ~1,000 modules of the per-file build), unless only `tsc` ran since the bundle was
// made: then the per-file build, so a stale bundle never runs.
import { statSync } from 'node:fs';

const mtime = (rel) => { try { return statSync(new URL(rel, import.meta.url)).mtimeMs; } catch { return -1; } };
const bundled = mtime('../dist/bundle/lumen.mjs') >= mtime('../dist/distribution/cli/main.js');
const { main } = await import(bundled ? '../dist/bundle/lumen.mjs' : '../dist/distribution/cli/main.js');

process.exitCode = await main(process.argv);

// Bundles the compiled CLI (dist/distribution/cli/main.js) into dist/bundle/: one ES module for the start-up
// path plus chunks for what is imported lazily (gRPC, iced-x86, the BPF wrapper…). Node then reads a few files
// instead of ~1,000 modules, which is most of the CLI's import time. bin/lumen.js runs the bundle; the library
// entry (dist/distribution/index.js) and the tests keep using the per-file output of tsc.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
rmSync(`${root}dist/bundle`, { recursive: true, force: true });
await build({
  entryPoints: { lumen: `${root}dist/distribution/cli/main.js` },
  outdir: `${root}dist/bundle`,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // CommonJS packages inside an ES module bundle still call require() (for node: built-ins and optional modules).
  banner: { js: "import { createRequire as __lumenRequire } from 'node:module'; const require = __lumenRequire(import.meta.url);" },
  // Packages that read files beside their own code (__dirname): iced-x86 its .wasm, grpc-js its .proto files.
  // Both are imported lazily (TLS binaries without symbols, the grpc protocol), from node_modules.
  external: ['iced-x86', '@grpc/grpc-js'],
  logLevel: 'warning',
});

/**
 * Lumen as a library, as `import … from 'lumen'` resolves it: the core's API (src/index.ts) with the built-in
 * components. createAgent() validates a configuration (object or YAML, the pipelines.yaml shape) and returns an
 * Agent; start() builds and starts the components, stop() stops them gracefully. Taps (spans$, received$,
 * processed$) expose the data flowing through. No process.exit, no signal handlers (unless handleSignals: true),
 * logs on stderr (or your logger), nothing on stdout unless a print_traces exporter is configured.
 */
export * from '../src/index.js';
export { createAgent, validateAgentConfig } from './agent.js';
export { BUILTIN_FACTORIES } from './builtins.js';
export { builtinRegistry } from './default-registry.js';

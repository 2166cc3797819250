import {
  createAgent as createCoreAgent, validateAgentConfig as validateCoreAgentConfig, type Agent, type AgentOptions, type ValidationReport,
} from '../src/agent.js';
import { builtinRegistry } from './default-registry.js';

/** The options with the built-in components as the registry, unless the caller brought its own. */
function withBuiltins(opts: AgentOptions): AgentOptions {
  return opts.registry ? opts : { ...opts, registry: builtinRegistry() };
}

/** The core's createAgent with every built-in component registered (plus `components`, which may replace one). */
export function createAgent(opts: AgentOptions): Agent {
  return createCoreAgent(withBuiltins(opts));
}

/** The core's validateAgentConfig with every built-in component registered. */
export function validateAgentConfig(opts: AgentOptions): Promise<ValidationReport> {
  return validateCoreAgentConfig(withBuiltins(opts));
}

import type { AnyFactory } from '../src/component/contract.js';
import { BUILTIN_FACTORIES } from './builtins.js';
import { FactoryRegistry } from '../src/component/registry.js';
import { registerDiscoverySection } from '../src/discovery/index.js';

/**
 * A registry with every built-in component plus `extra` (an embedding program's own factories, which may replace
 * a built-in), and the `discovery:` section of the discovery service.
 */
export function builtinRegistry(extra: Iterable<AnyFactory> = []): FactoryRegistry {
  const registry = registerDiscoverySection(new FactoryRegistry(BUILTIN_FACTORIES));
  for (const f of extra) registry.register(f, { replace: true });
  return registry;
}

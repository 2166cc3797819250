import type { Discovery, DiscoveryDeps } from './types.js';
import { discoverySchema, type DiscoveryConfig } from './config.js';
import type { FactoryRegistry } from '../component/registry.js';
import { ProcessDiscovery } from './discovery.js';

export type { Discovery, DiscoveryDeps, DiscoveryEvent, InstrumentedProcess } from './types.js';
export {
  discoverySchema, defaultDiscoveryConfig, DEFAULT_EXCLUDE_INSTRUMENT, LANGUAGES,
  type DiscoveryConfig, type InstrumentEntry, type ProcessSelector, type WatcherMode,
} from './config.js';


/**
 * The one entry point: builds the shared Discovery from the validated `discovery:` section
 * (missing top-level keys take their defaults). Nothing touches /proc or the kernel until start().
 */
export function createDiscovery(config: Partial<DiscoveryConfig>, deps: DiscoveryDeps): Discovery {
  return new ProcessDiscovery(config, deps);
}

export { syncPidAllowlist, syncPidBitmap, pidKey, type PidAllowlistOptions } from './pid-allowlist.js';
export { PidBitmap } from './pid-bitmap.js';

/** The `discovery:` section is the discovery service's: validation checks it against the service's own schema. */
export function registerDiscoverySection(registry: FactoryRegistry): FactoryRegistry {
  return registry.registerSection('discovery', discoverySchema);
}

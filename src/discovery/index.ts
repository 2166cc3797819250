import type { Logger } from '../telemetry/logger.js';
import type { SelfTelemetry } from '../telemetry/self-telemetry.js';
import type { Discovery } from './types.js';
import type { DiscoveryConfig } from './config.js';
import { ProcessDiscovery } from './discovery.js';

export type { Discovery, DiscoveryEvent, InstrumentedProcess } from './types.js';
export {
  discoverySchema, defaultDiscoveryConfig, DEFAULT_EXCLUDE_INSTRUMENT, LANGUAGES,
  type DiscoveryConfig, type InstrumentEntry, type ProcessSelector, type WatcherMode,
} from './config.js';

/** What the engine hands to createDiscovery (a subset of ComponentContext). */
export interface DiscoveryDeps {
  readonly logger: Logger;
  readonly telemetry: SelfTelemetry;
  /** Host name for service.instance.id (`<hostName>:<pid>`). */
  readonly hostName: string;
}

/**
 * The one entry point: builds the shared Discovery from the validated `discovery:` section
 * (missing top-level keys take their defaults). Nothing touches /proc or the kernel until start().
 */
export function createDiscovery(config: Partial<DiscoveryConfig>, deps: DiscoveryDeps): Discovery {
  return new ProcessDiscovery(config, deps);
}

export { syncPidAllowlist, pidKey, type PidAllowlistOptions } from './pid-allowlist.js';

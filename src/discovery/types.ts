/**
 * The discovery service's contract lives in the component SDK (src/component/discovery.ts), since components
 * consume it through ctx.discovery(); this folder implements it.
 */
export type { Discovery, DiscoveryDeps, DiscoveryEvent, InstrumentedProcess } from '../component/discovery.js';

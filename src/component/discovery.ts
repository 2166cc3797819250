import type { Observable } from 'rxjs';
import type { ProcessInfo, Service } from '../model/service.js';
import type { Logger } from '../telemetry/logger.js';
import type { SelfTelemetry } from '../telemetry/self-telemetry.js';

/** A process selected for instrumentation by the `discovery:` section. */
export interface InstrumentedProcess {
  readonly info: ProcessInfo;
  readonly service: Service;
  /** Listening TCP ports known for it. */
  readonly ports: readonly number[];
}

export type DiscoveryEvent =
  | { readonly type: 'added'; readonly process: InstrumentedProcess }
  | { readonly type: 'removed'; readonly pid: number };

/**
 * The shared process discovery: one instance per agent, started by the engine before any receiver
 * and shut down after them. Receivers keep their kernel allow-lists in sync from `events`.
 */
export interface Discovery {
  start(): Promise<void>;
  shutdown(): Promise<void>;
  /** Currently instrumented processes by pid. */
  processes(): ReadonlyMap<number, InstrumentedProcess>;
  /** Replays 'added' for current processes to each new subscriber, then live changes. */
  readonly events: Observable<DiscoveryEvent>;
  /** Service of an instrumented pid (tgid), or undefined. */
  service(pid: number): Service | undefined;
}

/** What the engine hands to createDiscovery (a subset of ComponentContext). */
export interface DiscoveryDeps {
  readonly logger: Logger;
  readonly telemetry: SelfTelemetry;
  /** Host name for service.instance.id (`<hostName>:<pid>`). */
  readonly hostName: string;
}

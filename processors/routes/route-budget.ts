import type { Service } from '../../src/model/service.js';

/** The route every span of a service gets once the service has reached its route budget. */
export const OVERFLOW_ROUTE = '/**';
/** Routes a service has not produced for this long are forgotten (the exporters' default metrics TTL). */
export const ROUTE_IDLE_MS = 5 * 60_000;

interface ServiceRoutes {
  /** route → when last seen (ms), a mutable cell so a known route costs one lookup; never more than `max` entries. */
  readonly seen: Map<string, { last: number }>;
  lastSweep: number;
  warned: boolean;
}

/**
 * At most `max` distinct routes per service from the `unmatched` policy. The heuristic keeps word-like
 * segments, so a client sending `/<word>/<word>` paths would otherwise open a route (and a series per
 * metric) per request. Known routes keep their name; a new route past the budget becomes OVERFLOW_ROUTE,
 * so the metrics of a service under attack hold `max` + 1 routes. Routes idle for ROUTE_IDLE_MS are
 * forgotten (swept when a full service meets a new route, at most once a second), so the budget frees
 * up after an attack.
 */
export class RouteBudget {
  readonly #services = new WeakMap<Service, ServiceRoutes>();
  #lastService: Service | undefined;
  #lastRoute = '';
  #lastNow = 0;

  constructor(
    readonly max: number,
    /** Each span given the overflow route. */
    private readonly onOverflow: () => void = () => {},
    /** The first overflow of a service (its WARN-once). */
    private readonly onFirstOverflow: (service: Service) => void = () => {},
    private readonly idleMs = ROUTE_IDLE_MS,
  ) {}

  /** `route`, or OVERFLOW_ROUTE when it is new and the service already has `max` routes. */
  admit(service: Service, route: string, now: number): string {
    // Consecutive spans of one endpoint in one batch: already admitted and stamped.
    if (route === this.#lastRoute && service === this.#lastService && now === this.#lastNow) return route;
    let routes = this.#services.get(service);
    if (routes === undefined) this.#services.set(service, (routes = { seen: new Map(), lastSweep: now, warned: false }));
    const seen = routes.seen;
    const known = seen.get(route);
    if (known !== undefined) {
      if (known.last !== now) known.last = now;
    } else if (seen.size < this.max || this.#sweep(routes, now)) seen.set(route, { last: now });
    else {
      this.onOverflow();
      if (!routes.warned) {
        routes.warned = true;
        this.onFirstOverflow(service);
      }
      return OVERFLOW_ROUTE;
    }
    this.#lastService = service;
    this.#lastRoute = route;
    this.#lastNow = now;
    return route;
  }

  /** Routes a service currently holds (tests, docs). */
  size(service: Service): number {
    return this.#services.get(service)?.seen.size ?? 0;
  }

  /** Forgets idle routes of a full service; true when that made room. */
  #sweep(routes: ServiceRoutes, now: number): boolean {
    if (now - routes.lastSweep < 1000) return false;
    routes.lastSweep = now;
    const cutoff = now - this.idleMs;
    for (const [route, seen] of routes.seen) if (seen.last < cutoff) routes.seen.delete(route);
    return routes.seen.size < this.max;
  }
}

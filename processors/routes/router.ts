import type { Span } from '../../src/model/span.js';
import type { Service } from '../../src/model/service.js';
import type { Signal } from '../../src/component/index.js';
import { BoundedCache } from '../common/bounded-cache.js';
import type { RoutesConfig } from './config.js';
import { RouteHeuristic } from './heuristic.js';
import { RouteMatcher } from './matcher.js';
import { RouteBudget } from './route-budget.js';
import { RouteTrie } from './trie.js';

/** Routes that the `wildcard` policy gives every unmatched path (as Beyla does). */
export const WILDCARD_ROUTE = '/**';

/**
 * Per-span routing (Beyla's order): ignored patterns first, then declared patterns, then a route the
 * receiver already knew, then the `unmatched` policy. Sets http.route and the span name "<METHOD> <route>".
 */
export class Router {
  readonly #patterns: RouteMatcher;
  readonly #ignored: RouteMatcher;
  readonly #heuristic: RouteHeuristic;
  /**
   * path → heuristic route for paths that are their own route (no id-like segment): the heuristic is a pure function
   * of the path and such paths repeat. Paths with ids are mostly unique: caching them would only churn the cache.
   */
  readonly #classified = new BoundedCache<string, string>(4096);
  /** method → route → "<METHOD> <route>", so span names are interned, not rebuilt per span. */
  readonly #names = new Map<string, BoundedCache<string, string>>();
  readonly #tries = new WeakMap<Service, RouteTrie>();
  readonly #dropIgnored: boolean;
  readonly #budget: RouteBudget;
  /** The last classification and span name (pure functions of their inputs): consecutive spans often repeat them. */
  #lastPath: string | undefined;
  #lastRoute = '';
  #lastMethod: string | undefined;
  #lastNameRoute = '';
  #lastName = '';

  constructor(readonly config: RoutesConfig, signal: Signal, budget = new RouteBudget(config.max_routes_per_service)) {
    this.#budget = budget;
    this.#patterns = new RouteMatcher(config.patterns);
    this.#ignored = new RouteMatcher(config.ignored_patterns);
    this.#heuristic = new RouteHeuristic({ wildcard: config.wildcard_char });
    this.#dropIgnored = config.ignore_mode === 'all' || config.ignore_mode === signal;
  }

  /** Routes the span in place; false when it must be dropped (an ignored path in this pipeline). `now` (ms) stamps its route as in use. */
  apply(span: Span, now = Date.now()): boolean {
    const http = span.http;
    if (!http) return true;
    if (this.#dropIgnored && this.#ignored.size > 0 && this.#ignored.find(http.path) !== '') return false;
    const declared = this.#patterns.find(http.path);
    if (declared) http.route = declared;
    else if (!http.route) http.route = this.#bounded(span.service, this.#unmatched(span.service, http.path), now);
    span.name = http.route ? this.#spanName(http.method, http.route) : http.method;
    return true;
  }

  /** The trie of a service (low-cardinality policy), for tests and internal metrics. */
  trieOf(service: Service): RouteTrie | undefined {
    return this.#tries.get(service);
  }

  /** Routes the unmatched policy derives from paths are unbounded in the policies that keep words; constants need no budget. */
  #bounded(service: Service, route: string, now: number): string {
    if (route === '' || route === WILDCARD_ROUTE) return route;
    return this.#budget.admit(service, route, now);
  }

  #unmatched(service: Service, path: string): string {
    switch (this.config.unmatched) {
      case 'unset':
        return '';
      case 'path':
        return path;
      case 'wildcard':
        return WILDCARD_ROUTE;
      case 'heuristic':
        return this.#classify(path);
      case 'low-cardinality': {
        let trie = this.#tries.get(service);
        if (!trie) this.#tries.set(service, (trie = new RouteTrie(this.config.max_path_segment_cardinality, this.config.wildcard_char)));
        return trie.insert(this.#classify(path));
      }
    }
  }

  #classify(path: string): string {
    if (path === this.#lastPath) return this.#lastRoute;
    let route = this.#classified.get(path);
    if (route === undefined) {
      route = this.#heuristic.classify(path);
      if (route === path) this.#classified.set(path, path);
    }
    this.#lastPath = path;
    this.#lastRoute = route;
    return route;
  }

  #spanName(method: string, route: string): string {
    if (method === this.#lastMethod && route === this.#lastNameRoute) return this.#lastName;
    const name = this.#internName(method, route);
    this.#lastMethod = method;
    this.#lastNameRoute = route;
    this.#lastName = name;
    return name;
  }

  #internName(method: string, route: string): string {
    let byRoute = this.#names.get(method);
    if (!byRoute) {
      if (this.#names.size >= 64) return `${method} ${route}`;
      this.#names.set(method, (byRoute = new BoundedCache(4096)));
    }
    let name = byRoute.get(route);
    if (name === undefined) byRoute.set(route, (name = `${method} ${route}`));
    return name;
  }
}

import type { Service } from '../../src/model/service.js';
import { checkAction } from './actions.js';
import type { AttributeAction } from './config.js';
import { hashValue } from './hash.js';

type Resource = Record<string, string>;

function read(s: { name: string; namespace: string; attributes: Resource }, key: string): string | undefined {
  if (key === 'service.name') return s.name || undefined;
  if (key === 'service.namespace') return s.namespace || undefined;
  return s.attributes[key];
}

/**
 * Resource actions act on the span's Service. Services are interned and shared by every span of a process,
 * so they are never mutated: each original Service maps (weakly) to one derived, frozen Service, computed on
 * first sight. Spans then point at the derived one — a stable identity, as exporters group by reference.
 */
export class ResourceRewriter {
  readonly #derived = new WeakMap<Service, Service>();

  /** `actions` with their index in the config, for error messages. */
  constructor(indexed: readonly (readonly [AttributeAction, number])[]) {
    for (const [a, i] of indexed) checkAction(a, `attributes.actions[${i}]`);
    this.actions = indexed.map(([a]) => a);
  }

  private readonly actions: readonly AttributeAction[];

  get empty(): boolean {
    return this.actions.length === 0;
  }

  derive(service: Service): Service {
    let d = this.#derived.get(service);
    if (d === undefined) {
      d = this.#apply(service);
      this.#derived.set(service, d);
      this.#derived.set(d, d);
    }
    return d;
  }

  #apply(service: Service): Service {
    const s = { name: service.name, namespace: service.namespace, attributes: { ...service.attributes } as Resource };
    const write = (key: string, value: string) => {
      if (key === 'service.name') s.name = value;
      else if (key === 'service.namespace') s.namespace = value;
      else s.attributes[key] = value;
    };
    for (const a of this.actions) {
      const current = read(s, a.key);
      const source = a.from_attribute !== undefined ? read(s, a.from_attribute) : a.value !== undefined ? String(a.value) : undefined;
      switch (a.action) {
        case 'insert': if (current === undefined && source !== undefined) write(a.key, source); break;
        case 'update': if (current !== undefined && source !== undefined) write(a.key, source); break;
        case 'upsert': if (source !== undefined) write(a.key, source); break;
        case 'hash': if (current !== undefined) write(a.key, hashValue(current)); break;
        case 'delete': delete s.attributes[a.key]; break;
        case 'rename':
          if (source !== undefined) {
            delete s.attributes[a.from_attribute!];
            write(a.key, source);
          }
          break;
      }
    }
    return Object.freeze({ ...service, name: s.name, namespace: s.namespace, attributes: Object.freeze(s.attributes) });
  }
}

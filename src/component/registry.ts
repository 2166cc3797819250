import type { AnyFactory, ComponentKind, ExporterFactory, JsonSchema, ProcessorFactory, ReceiverFactory } from './contract.js';
import { LumenError } from '../errors/lumen-error.js';

type FactoryOf<K extends ComponentKind> = K extends 'receiver' ? ReceiverFactory<any> : K extends 'processor' ? ProcessorFactory<any> : ExporterFactory<any>;

const TYPE = /^[a-z][a-z0-9_]*$/;

/**
 * The component factories an agent knows, by kind and type: for `lumen` the built-ins (distribution/builtins.ts), plus
 * whatever an embedding program registers. A type may exist once per kind.
 */
export class FactoryRegistry {
  private readonly byKind: Record<ComponentKind, Map<string, AnyFactory>> = {
    receiver: new Map(),
    processor: new Map(),
    exporter: new Map(),
  };

  /** Schemas of the agent's shared services' top-level sections (`discovery:`), validated like a component's. */
  private readonly sectionSchemas = new Map<string, JsonSchema>();

  constructor(factories: Iterable<AnyFactory> = []) {
    for (const f of factories) this.register(f);
  }

  /** Adds a factory; `replace: true` lets an embedding program override a built-in of the same kind and type. */
  register(factory: AnyFactory, options: { replace?: boolean } = {}): this {
    const kind = factory?.kind;
    if (kind !== 'receiver' && kind !== 'processor' && kind !== 'exporter') {
      throw new LumenError('LUMEN_INVALID_FACTORY', `not a component factory: kind must be "receiver", "processor" or "exporter", got ${JSON.stringify(kind)}`);
    }
    if (typeof factory.type !== 'string' || !TYPE.test(factory.type)) {
      throw new LumenError('LUMEN_INVALID_FACTORY', `${kind} factory type must be lower_snake_case (${TYPE}), got ${JSON.stringify(factory.type)}`);
    }
    if (typeof factory.create !== 'function' || typeof factory.defaultConfig !== 'function' || !factory.schema || !Array.isArray(factory.signals)) {
      throw new LumenError('LUMEN_INVALID_FACTORY', `${kind} factory "${factory.type}" must have schema, signals, defaultConfig() and create()`);
    }
    const map = this.byKind[kind];
    if (map.has(factory.type) && !options.replace && map.get(factory.type) !== factory) {
      throw new LumenError('LUMEN_INVALID_FACTORY', `a ${kind} of type "${factory.type}" is already registered (pass { replace: true } to override it)`);
    }
    map.set(factory.type, factory);
    return this;
  }

  get<K extends ComponentKind>(kind: K, type: string): FactoryOf<K> | undefined {
    return this.byKind[kind].get(type) as FactoryOf<K> | undefined;
  }

  /** Known types of a kind, sorted (error messages list them). */
  types(kind: ComponentKind): string[] {
    return [...this.byKind[kind].keys()].sort();
  }

  /**
   * Declares the schema of a top-level section read by a shared service (the agent registers `discovery`), so
   * that validation checks it with positions and defaults like a component's config.
   */
  registerSection(key: string, schema: JsonSchema): this {
    this.sectionSchemas.set(key, schema);
    return this;
  }

  /** The registered service sections, [key, schema]. */
  sections(): [string, JsonSchema][] {
    return [...this.sectionSchemas];
  }

  /** A copy (factories and sections) that can be extended without changing this one. */
  copy(): FactoryRegistry {
    const c = new FactoryRegistry(this.all());
    for (const [key, schema] of this.sectionSchemas) c.registerSection(key, schema);
    return c;
  }

  all(): AnyFactory[] {
    return [...this.byKind.receiver.values(), ...this.byKind.processor.values(), ...this.byKind.exporter.values()];
  }
}

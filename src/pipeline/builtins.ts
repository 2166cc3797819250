import type { AnyFactory } from './component.js';
import { FactoryRegistry } from './registry.js';
import { prometheusExporterFactory } from '../../exporters/prometheus/index.js';
import { otlpExporterFactory } from '../../exporters/otlp/index.js';

// The built-in components: ONE import line and ONE list entry per component, nothing else in this file.
// A component's index.ts must not touch the system when imported (no addon loading, no /proc, no sockets):
// do that in create() or start().

export const BUILTIN_FACTORIES: readonly AnyFactory[] = [
  prometheusExporterFactory,
  otlpExporterFactory,
];

/** A registry with every built-in component plus `extra` (an embedding program's own factories). */
export function builtinRegistry(extra: Iterable<AnyFactory> = []): FactoryRegistry {
  const registry = new FactoryRegistry(BUILTIN_FACTORIES);
  for (const f of extra) registry.register(f, { replace: true });
  return registry;
}

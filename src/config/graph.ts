import type { ComponentKind, Signal } from '../component/contract.js';
import type { FactoryRegistry } from '../component/registry.js';
import type { ConfigIssue, PathSegment } from './errors.js';
import { SECTIONS, SECTION_KIND, componentType, pipelineSignal, type LumenConfig, type Section } from './schema.js';
import type { ConfigSource } from './source.js';

const VERB: Record<ComponentKind, (id: string, s: Signal, supported: string) => string> = {
  receiver: (id, s, ok) => `receiver "${id}" cannot produce ${s}, it produces: ${ok}`,
  processor: (id, s, ok) => `processor "${id}" cannot process ${s}, it processes: ${ok}`,
  exporter: (id, s, ok) => `exporter "${id}" cannot export ${s}, it exports: ${ok}`,
};

/** Graph rules: every id a pipeline lists exists and handles the pipeline's signal; unused components warn. */
export function checkGraph(config: LumenConfig, registry: FactoryRegistry, source: ConfigSource): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const report = (severity: 'error' | 'warning', path: PathSegment[], message: string, at: 'value' | 'key' = 'value'): void => {
    issues.push({ severity, stage: 'graph', file: source.file, position: source.position(path, at), path, message });
  };
  const pipelines = Object.entries(config.service.pipelines);
  if (pipelines.length === 0) {
    report('error', ['service', 'pipelines'], 'no pipeline defined, add at least one of traces, metrics, flows (each with receivers and exporters)');
  }
  const used = new Set<string>();
  for (const [name, p] of pipelines) {
    const signal = pipelineSignal(name);
    for (const section of SECTIONS) {
      const kind = SECTION_KIND[section];
      const ids = p[section];
      const base: PathSegment[] = ['service', 'pipelines', name, section];
      if (ids.length === 0 && section !== 'processors') {
        report('error', source.has(base) ? base : ['service', 'pipelines', name], `must list at least one ${kind}`);
      }
      ids.forEach((id, i) => {
        const path = [...base, i];
        if (ids.indexOf(id) !== i) return report('error', path, `"${id}" is listed twice in this pipeline, list it once`);
        if (!(id in config[section])) return report('error', path, undefinedMessage(id, section, config));
        used.add(`${section}\u0000${id}`);
        const factory = registry.get(kind, componentType(id));
        if (factory && !factory.signals.includes(signal)) report('error', path, VERB[kind](id, signal, factory.signals.join(', ')));
      });
    }
  }
  for (const section of SECTIONS) {
    for (const id of Object.keys(config[section])) {
      if (!used.has(`${section}\u0000${id}`)) {
        report('warning', [section, id], `${SECTION_KIND[section]} not used by any pipeline, it will not be started`, 'key');
      }
    }
  }
  return issues;
}

function undefinedMessage(id: string, section: Section, config: LumenConfig): string {
  const defined = Object.keys(config[section]);
  return `"${id}" is not defined in ${section}, ${defined.length ? `defined: ${defined.join(', ')}` : `no ${section} are defined`}`;
}

import type { JsonSchema, Signal } from '../component/contract.js';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from '../telemetry/pino-logger.js';

/** The validated, defaulted, frozen configuration (what `lumen run` builds the agent from). */
export interface LumenConfig {
  /** The shared `discovery:` section, validated against src/discovery/config.ts `discoverySchema`. */
  readonly discovery: Readonly<Record<string, unknown>>;
  readonly receivers: Readonly<Record<string, unknown>>;
  readonly processors: Readonly<Record<string, unknown>>;
  readonly exporters: Readonly<Record<string, unknown>>;
  readonly service: ServiceConfig;
}

export interface PipelineConfig {
  readonly receivers: readonly string[];
  readonly processors: readonly string[];
  readonly exporters: readonly string[];
}

export interface ServiceConfig {
  /** `traces`, `metrics`, `flows`, or `<signal>/<name>`. */
  readonly pipelines: Readonly<Record<string, PipelineConfig>>;
  readonly telemetry: {
    readonly logs: { readonly level: LogLevel; readonly format: LogFormat };
    /** Lumen's own lumen_* metrics (exposed by metric exporters). */
    readonly metrics: { readonly enabled: boolean };
  };
  /** How long a graceful stop may take before `lumen run` exits anyway (Go-style duration). */
  readonly shutdown_timeout: string;
  /** Items each pipeline's input queue holds before dropping (lumen_queue_dropped_items_total). */
  readonly queue_size: number;
  /** The agent's own CPU priority (applied by `lumen run`, src/engine/cpu-priority.ts). */
  readonly cpu_priority: CpuPriorityConfig;
}

export interface CpuPriorityConfig {
  readonly mode: 'adaptive' | 'normal';
  /** SCHED_IDLE, or the nice value of the low priority. */
  readonly low: 'idle' | number;
  readonly raise_after: string;
  readonly lower_after: string;
}

export const SECTIONS = ['receivers', 'processors', 'exporters'] as const;
export type Section = (typeof SECTIONS)[number];
export const SECTION_KIND = { receivers: 'receiver', processors: 'processor', exporters: 'exporter' } as const;
export const TOP_LEVEL_KEYS = ['discovery', 'receivers', 'processors', 'exporters', 'service'] as const;
export const SIGNALS: readonly Signal[] = ['traces', 'metrics', 'flows'];

const section = { type: ['object', 'null'] };

/** The root shape; component bodies and `discovery` are validated separately against their own schemas. */
export const rootSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    discovery: { type: ['object', 'null'] },
    receivers: section,
    processors: section,
    exporters: section,
    service: { type: 'object' },
  },
};

const idList = { type: 'array', items: { type: 'string', minLength: 1 }, default: [] };

export const pipelineSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { receivers: idList, processors: idList, exporters: idList },
};

export const serviceSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    pipelines: { type: 'object', default: {}, additionalProperties: pipelineSchema },
    telemetry: {
      type: 'object',
      default: {},
      additionalProperties: false,
      properties: {
        logs: {
          type: 'object',
          default: {},
          additionalProperties: false,
          properties: {
            level: { enum: [...LOG_LEVELS], default: 'info' },
            format: { enum: [...LOG_FORMATS], default: 'text' },
          },
        },
        metrics: {
          type: 'object',
          default: {},
          additionalProperties: false,
          properties: { enabled: { type: 'boolean', default: true } },
        },
      },
    },
    shutdown_timeout: { type: 'string', format: 'positive-duration', default: '10s' },
    queue_size: { type: 'integer', minimum: 1, maximum: 10_000_000, default: 16384 },
    cpu_priority: {
      type: 'object',
      default: {},
      additionalProperties: false,
      properties: {
        mode: { enum: ['adaptive', 'normal'], default: 'normal' },
        low: { enum: ['idle', ...Array.from({ length: 19 }, (_, i) => i + 1)], default: 'idle' },
        raise_after: { type: 'string', format: 'positive-duration', default: '100ms' },
        lower_after: { type: 'string', format: 'positive-duration', default: '1s' },
      },
    },
  },
  required: ['pipelines'],
};

/** `type` or `type/name`; type is lower_snake_case. */
export const COMPONENT_ID = /^([a-z][a-z0-9_]*)(?:\/([^\s/]+))?$/;
/** `traces`, `metrics`, `flows`, optionally `/name`. */
export const PIPELINE_ID = /^(traces|metrics|flows)(?:\/([^\s/]+))?$/;

export function componentType(id: string): string {
  const slash = id.indexOf('/');
  return slash < 0 ? id : id.slice(0, slash);
}

export function pipelineSignal(name: string): Signal {
  return name.slice(0, name.includes('/') ? name.indexOf('/') : undefined) as Signal;
}

import { Subject, map } from 'rxjs';
import type { Batch } from '../../src/model/batch.js';
import type { ExporterFactory, ProcessorFactory, ReceiverFactory, Signal } from '../../src/component/contract.js';

/**
 * Small, real components for engine and config tests: a receiver whose batches the test pushes, an exporter that
 * keeps what it receives, a processor that tags spans. (Test helpers, as opentelemetry-js ships in-memory exporters.)
 */
export interface PushReceiver {
  readonly subject: Subject<Batch>;
  started: boolean;
  stopped: number;
}

export function pushReceiverFactory(type = 'push', signals: Signal[] = ['traces', 'metrics'], order: string[] = [], opts: { startError?: string; useDiscovery?: boolean } = {}) {
  const instances = new Map<string, PushReceiver>();
  const factory: ReceiverFactory<{ label: string }> = {
    type,
    kind: 'receiver',
    signals,
    usesDiscovery: opts.useDiscovery,
    schema: { type: 'object', additionalProperties: false, properties: { label: { type: 'string', default: 'x' } } },
    defaultConfig: () => ({ label: 'x' }),
    create(_config, ctx) {
      const state: PushReceiver = { subject: new Subject<Batch>(), started: false, stopped: 0 };
      instances.set(ctx.id, state);
      if (opts.useDiscovery) ctx.discovery();
      return {
        output: state.subject.asObservable(),
        async start() {
          order.push(`${ctx.id}:start`);
          if (opts.startError) throw new Error(opts.startError);
          state.started = true;
        },
        async shutdown() {
          order.push(`${ctx.id}:shutdown`);
          state.stopped++;
          state.subject.complete();
        },
      };
    },
  };
  return { factory, instances };
}

export interface MemoryExporterState {
  readonly batches: { batch: Batch; signal: Signal }[];
  events: string[];
}

export function memoryExporterFactory(type = 'memory', signals: Signal[] = ['traces', 'metrics', 'flows'], opts: { shutdownDelayMs?: number; failEvery?: number; order?: string[]; createError?: string } = {}) {
  const instances = new Map<string, MemoryExporterState>();
  const factory: ExporterFactory<{ endpoint: string }> = {
    type,
    kind: 'exporter',
    signals,
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: { endpoint: { type: 'string', format: 'host-port', default: '127.0.0.1:19101' }, timeout: { type: 'string', format: 'duration' } },
    },
    defaultConfig: () => ({ endpoint: '127.0.0.1:19101' }),
    create(_config, ctx) {
      if (opts.createError) throw new Error(opts.createError);
      const state: MemoryExporterState = { batches: [], events: [] };
      instances.set(ctx.id, state);
      const order = opts.order ?? [];
      let n = 0;
      return {
        async start() {
          order.push(`${ctx.id}:start`);
          state.events.push('start');
        },
        consume(batch, signal) {
          n++;
          if (opts.failEvery && n % opts.failEvery === 0) throw new Error(`export ${n} failed`);
          state.batches.push({ batch, signal });
        },
        async forceFlush() {
          order.push(`${ctx.id}:flush`);
          state.events.push('flush');
        },
        async shutdown() {
          if (opts.shutdownDelayMs) await new Promise((r) => setTimeout(r, opts.shutdownDelayMs));
          order.push(`${ctx.id}:shutdown`);
          state.events.push('shutdown');
        },
      };
    },
  };
  return { factory, instances };
}

export function tagProcessorFactory(type = 'tag', signals: Signal[] = ['traces', 'metrics'], opts: { failOn?: string } = {}) {
  const factory: ProcessorFactory<{ key: string; value: string }> = {
    type,
    kind: 'processor',
    signals,
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: { key: { type: 'string', default: 'tag' }, value: { type: 'string', default: 'v' }, mode: { enum: ['a', 'b'] } },
    },
    defaultConfig: () => ({ key: 'tag', value: 'v' }),
    create(config, ctx) {
      return map((batch: Batch) => {
        if (batch.kind === 'spans') {
          for (const s of batch.items) {
            if (opts.failOn && s.name === opts.failOn) throw new Error(`cannot tag ${s.name}`);
            s.attributes[config.key] = `${config.value}:${ctx.signal}`;
          }
        }
        return batch;
      });
    },
  };
  return { factory };
}

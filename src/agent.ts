import { readFileSync } from 'node:fs';
import { Subject, filter, map, merge, type Observable } from 'rxjs';
import { createDiscovery, registerDiscoverySection } from './discovery/index.js';
import type { DiscoveryConfig } from './discovery/config.js';
import { ConfigError, compareIssues, formatIssue, type ConfigIssue } from './config/errors.js';
import type { Env } from './config/env.js';
import { readConfigFile } from './config/load.js';
import type { LumenConfig } from './config/schema.js';
import type { ConfigSource } from './config/source.js';
import { validateConfig, type ConfigInput, type StageReport } from './config/validate.js';
import type { Batch } from './model/batch.js';
import type { Span } from './model/span.js';
import type { AnyFactory, Signal } from './component/contract.js';
import { Engine, type DiscoveryFactory, type EngineState, type ProcessedBatch, type ReceivedBatch } from './engine/engine.js';
import { InternalMetrics } from './telemetry/internal-metrics.js';
import type { Logger } from './telemetry/logger.js';
import { createLogger } from './telemetry/pino-logger.js';
import { FactoryRegistry } from './component/registry.js';
import type { InternalMetricsSource } from './telemetry/self-telemetry.js';
import { LumenError } from './errors/lumen-error.js';

export interface AgentOptions {
  /** The configuration: an object in the pipelines.yaml shape, or YAML text. Omit to read `configPath`. */
  readonly config?: object | string;
  /** The file the configuration comes from: read when `config` is omitted, and named in error messages. */
  readonly configPath?: string;
  /**
   * The component factories this agent knows. The core knows none: the distribution (`lumen`'s entry point)
   * passes its built-ins; an embedding program may pass its own registry.
   */
  readonly registry?: FactoryRegistry;
  /** Extra component factories (receivers, processors, exporters); they may replace one of `registry` of the same type. */
  readonly components?: readonly AnyFactory[];
  /** Where Lumen logs; default: pino on stderr at the config's service.telemetry.logs level and format. */
  /**
   * Where Lumen logs; or a function building the logger from the validated configuration (`lumen run` does this
   * so the file's log level applies without validating the file a second time).
   */
  readonly logger?: Logger | ((config: LumenConfig) => Logger);
  /** Variables for `${VAR}` expansion (default: process.env). */
  readonly env?: Env;
  /** Stop gracefully on SIGINT/SIGTERM (a second signal exits at once). Default false: no global side effects. */
  readonly handleSignals?: boolean;
  /**
   * Apply service.cpu_priority to every thread of this process. Default false: an embedded agent leaves its host
   * program's threads alone; `lumen run` passes true (the process is the agent's own).
   */
  readonly cpuPriority?: boolean;
  /** host.name / service.instance.id prefix (default: os.hostname()). */
  readonly hostName?: string;
  /** `beyla`: read the configuration as Beyla/OBI's (an empty one: from BEYLA_* / OTEL_EBPF_* variables alone); default auto-detected. */
  readonly format?: ConfigInput['format'];
  /** Beyla or OBI naming for a Beyla/OBI configuration; default from the variables set. */
  readonly flavor?: ConfigInput['flavor'];
}

/** One batch of spans seen by the tap: as a receiver emitted it, or as a pipeline hands it to its exporters. */
export type SpanTap =
  | { readonly stage: 'received'; readonly receiver: string; readonly spans: readonly Span[] }
  | { readonly stage: 'processed'; readonly pipeline: string; readonly signal: Signal; readonly spans: readonly Span[] };

export interface ValidationReport {
  readonly ok: boolean;
  /** parse, schema, graph, construction, in order; later stages are 'skipped' after a failure. */
  readonly stages: readonly StageReport[];
  readonly errors: readonly ConfigIssue[];
  readonly warnings: readonly ConfigIssue[];
  /** Every issue as one line: `file:line:col path: message`. */
  readonly lines: readonly string[];
  /** For a Beyla/OBI configuration: the equivalent pipelines document (`${VAR}` references kept) and its flavor. */
  readonly beyla?: { readonly pipelines: Record<string, unknown>; readonly flavor: 'beyla' | 'obi' };
}

/** A Lumen agent embedded in a program. Create with createAgent(); start() once, stop() any number of times. */
export interface Agent {
  /** The validated, defaulted, frozen configuration. */
  readonly config: LumenConfig;
  /** Graph warnings (unused components), formatted. */
  readonly warnings: readonly string[];
  readonly state: EngineState;
  /** Builds the components and starts them (exporters, processors, discovery, receivers). Throws ConfigError or StartError. */
  start(): Promise<void>;
  /** Graceful stop: receivers, drain, exporters flush and shut down, discovery. Never throws; safe before start and twice. */
  stop(): Promise<void>;
  /** Every span batch at the receivers' outputs (`received`) and at each pipeline's processed output (`processed`). Read-only. */
  readonly spans$: Observable<SpanTap>;
  /** Every batch (spans, flows, measurements) as receivers emit it. */
  readonly received$: Observable<ReceivedBatch>;
  /** Every batch as each pipeline hands it to its exporters. */
  readonly processed$: Observable<ProcessedBatch>;
  /** Lumen's own lumen_* metrics. */
  readonly internalMetrics: InternalMetricsSource;
  /** Resolves once every receiver's output has completed (e.g. replay files played to the end), or at stop. */
  readonly receiversDone: Promise<void>;
  /** All four stages, construction included (components are built and released, nothing is started). */
  validate(): Promise<ValidationReport>;
}

interface Prepared {
  readonly registry: FactoryRegistry;
  readonly file: string;
  readonly result: ReturnType<typeof validateConfig>;
}

function prepare(opts: AgentOptions): Prepared {
  const registry = registerDiscoverySection(opts.registry?.copy() ?? new FactoryRegistry());
  for (const f of opts.components ?? []) registry.register(f, { replace: true });
  const file = opts.configPath ?? '';
  const env = opts.env ?? process.env;
  let input: ConfigInput;
  const how = { format: opts.format, flavor: opts.flavor };
  if (opts.config === undefined) {
    if (!opts.configPath) throw new LumenError('LUMEN_AGENT_OPTIONS', 'createAgent: pass `config` (object or YAML text) or `configPath`');
    input = { yaml: readConfigFile(opts.configPath), file, env, ...how };
  } else if (typeof opts.config === 'string') {
    input = { yaml: opts.config, file, env, ...how };
  } else {
    input = { object: opts.config, file, env, ...how };
  }
  return { registry, file, result: validateConfig(input, registry) };
}

const discoveryFactory: DiscoveryFactory = (config, deps) => createDiscovery(config as Partial<DiscoveryConfig>, deps);

/**
 * Validates every stage, construction included, without starting anything; never throws for a bad config
 * (an unreadable file is reported as a parse error).
 */
export async function validateAgentConfig(opts: AgentOptions): Promise<ValidationReport> {
  let prepared: Prepared;
  try {
    prepared = prepare(opts);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const stages: StageReport[] = [{ stage: 'parse', status: 'failed', issues: [...e.issues] }];
    for (const stage of ['schema', 'graph', 'construction'] as const) stages.push({ stage, status: 'skipped', issues: [] });
    return report(stages);
  }
  const { result } = prepared;
  const stages = [...result.stages];
  const beyla = result.beyla ? { pipelines: result.beyla.printable, flavor: result.beyla.flavor } : undefined;
  if (!result.config) return report([...stages, { stage: 'construction', status: 'skipped', issues: [] }], beyla);
  try {
    const engine = await Engine.create(result.config, {
      registry: prepared.registry, logger: (typeof opts.logger === 'function' ? opts.logger(result.config) : opts.logger) ?? quietLogger(), source: result.source, createDiscovery: discoveryFactory, hostName: opts.hostName,
    });
    await engine.stop();
    stages.push({ stage: 'construction', status: 'ok', issues: [] });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    stages.push({ stage: 'construction', status: 'failed', issues: [...e.issues] });
  }
  return report(stages, beyla);
}

function report(stages: StageReport[], beyla?: ValidationReport['beyla']): ValidationReport {
  const all = stages.flatMap((s) => s.issues).sort(compareIssues);
  const errors = all.filter((i) => i.severity === 'error');
  return { ok: errors.length === 0, stages, errors, warnings: all.filter((i) => i.severity === 'warning'), lines: all.map(formatIssue), ...(beyla ? { beyla } : {}) };
}

function quietLogger(): Logger {
  return createLogger({ level: 'silent' });
}

/**
 * Creates an agent from a configuration. Validates it at once (parse, schema, graph): an invalid configuration
 * throws a ConfigError whose message lists every error as `file:line:col path: what is wrong, what is allowed`.
 * Nothing runs until start(); no signal handler is installed unless `handleSignals: true`.
 */
export function createAgent(opts: AgentOptions): Agent {
  const prepared = prepare(opts);
  const { result, registry } = prepared;
  if (!result.config) {
    const failed = result.stages.find((s) => s.status === 'failed')!;
    throw new ConfigError(failed.stage, result.errors);
  }
  return new LumenAgent(opts, result.config, result.source, registry, result.warnings.map(formatIssue));
}

class LumenAgent implements Agent {
  private engine?: Engine;
  private starting?: Promise<void>;
  private stopping?: Promise<void>;
  private readonly received = new Subject<ReceivedBatch>();
  private readonly processed = new Subject<ProcessedBatch>();
  private readonly metrics = new InternalMetrics();
  private readonly logger: Logger;
  private releaseSignals?: () => void;
  private resolveDone!: () => void;
  readonly receiversDone = new Promise<void>((r) => (this.resolveDone = r));
  readonly received$ = this.received.asObservable();
  readonly processed$ = this.processed.asObservable();
  readonly spans$: Observable<SpanTap>;
  readonly internalMetrics: InternalMetricsSource;

  constructor(
    private readonly opts: AgentOptions,
    readonly config: LumenConfig,
    private readonly source: ConfigSource,
    private readonly registry: FactoryRegistry,
    readonly warnings: readonly string[],
  ) {
    const logs = config.service.telemetry.logs;
    this.logger = (typeof opts.logger === 'function' ? opts.logger(config) : opts.logger) ?? createLogger({ level: logs.level, format: logs.format });
    for (const w of warnings) this.logger.warn(w);
    this.internalMetrics = config.service.telemetry.metrics.enabled ? this.metrics : { collect: () => [] };
    const spans = (b: Batch): b is Extract<Batch, { kind: 'spans' }> => b.kind === 'spans';
    this.spans$ = merge(
      this.received.pipe(filter((r) => spans(r.batch)), map((r): SpanTap => ({ stage: 'received', receiver: r.receiver, spans: r.batch.items as Span[] }))),
      this.processed.pipe(filter((p) => spans(p.batch)), map((p): SpanTap => ({ stage: 'processed', pipeline: p.pipeline, signal: p.signal, spans: p.batch.items as Span[] }))),
    );
  }

  get state(): EngineState {
    if (this.stopping) return this.engine?.state === 'stopped' || !this.engine ? 'stopped' : 'stopping';
    return this.engine?.state ?? 'created';
  }

  start(): Promise<void> {
    this.starting ??= this.doStart();
    return this.starting;
  }

  private async doStart(): Promise<void> {
    if (this.stopping) throw new LumenError('LUMEN_AGENT_STOPPED', 'this agent was stopped; create a new one');
    this.engine = await Engine.create(this.config, {
      registry: this.registry, logger: this.logger, metrics: this.metrics, source: this.source, hostName: this.opts.hostName,
      createDiscovery: discoveryFactory, received$: this.received, processed$: this.processed, cpuPriority: this.opts.cpuPriority,
    });
    void this.engine.receiversDone.then(() => this.resolveDone());
    if (this.opts.handleSignals) this.releaseSignals = installSignalHandlers(this, this.logger);
    await this.engine.start();
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      try {
        await this.starting;
      } catch {
        // a failed start already stopped what it had started
      }
      await this.engine?.stop();
      this.received.complete();
      this.processed.complete();
      this.resolveDone();
      this.releaseSignals?.();
    })();
    return this.stopping;
  }

  async validate(): Promise<ValidationReport> {
    return validateAgentConfig({ ...this.opts, logger: this.opts.logger ? this.logger : quietLogger() });
  }
}

/**
 * One Ctrl-C (or `timeout -s INT`) under `npm start` arrives twice: the terminal signals the whole process group
 * and npm forwards the signal to its child. Repeats this soon are the same request.
 */
export const REPEATED_SIGNAL_MS = 500;

/**
 * Whether npm runs this process as its script (`npm start` exec()s the agent): npm then forwards to it every
 * SIGINT/SIGTERM it gets, so a Ctrl-C arrives twice, npm's copy as late as npm is scheduled — on a loaded machine
 * well after REPEATED_SIGNAL_MS. npm's process title is "npm <script>".
 */
function signalledThroughNpm(): boolean {
  if (process.env['npm_lifecycle_event'] === undefined) return false;
  try {
    const argv0 = readFileSync(`/proc/${process.ppid}/cmdline`, 'utf8').split('\0')[0] ?? '';
    return /(^|\/)npm(-cli\.js)?( |$)/.test(argv0);
  } catch {
    return false;
  }
}

/**
 * SIGINT/SIGTERM → graceful stop; a second signal while stopping (at least REPEATED_SIGNAL_MS after the
 * first) exits at once (128 + signal number). Under npm the first repeat is npm's copy of the first signal, however
 * late it comes: the next one exits (so after `kill -INT <npm's pid>`, which arrives once, it takes two more).
 * Returns a function removing the handlers.
 */
export function installSignalHandlers(agent: Pick<Agent, 'stop'>, logger: Logger, onFirst?: (signal: NodeJS.Signals) => void): () => void {
  let received = 0;
  let npmCopy = signalledThroughNpm();
  const handler = (signal: NodeJS.Signals) => {
    if (received !== 0) {
      if (npmCopy) {
        npmCopy = false;
        return;
      }
      if (Date.now() - received < REPEATED_SIGNAL_MS) return;
      logger.warn(`second ${signal}: exiting without finishing the shutdown`);
      process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    }
    received = Date.now();
    logger.info(`${signal} received, stopping (send it again to exit at once)`);
    onFirst?.(signal);
    void agent.stop();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

import type { Counter, InternalMetricPoint, InternalMetricsSource, SelfTelemetry } from './self-telemetry.js';
import { LumenError } from '../errors/lumen-error.js';

const METRIC_NAME = /^lumen_[a-z0-9_]+$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

interface Series {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  value: number;
  read?: () => number;
}

interface Family {
  readonly help: string;
  readonly type: 'counter' | 'gauge';
  readonly series: Map<string, Series>;
}

/**
 * The agent-wide registry of Lumen's own lumen_* metrics. Components write through the SelfTelemetry their
 * context carries (labelled with `component`); exporters read every point with collect().
 * Registering the same name and labels twice returns the same counter (or replaces the gauge's reader).
 */
export class InternalMetrics implements InternalMetricsSource {
  private readonly families = new Map<string, Family>();

  /** A SelfTelemetry whose series all carry `component=<id>` plus `labels`. */
  forComponent(id: string, labels: Record<string, string> = {}): SelfTelemetry {
    return this.scoped({ component: id, ...labels });
  }

  /** A SelfTelemetry adding `labels` to every series (the engine uses `{}` for agent-wide metrics). */
  scoped(base: Record<string, string>): SelfTelemetry {
    return {
      counter: (name, help, labels) => this.counter(name, help, { ...base, ...labels }),
      gauge: (name, help, read, labels) => this.gauge(name, help, read, { ...base, ...labels }),
    };
  }

  counter(name: string, help: string, labels: Record<string, string> = {}): Counter {
    const series = this.series(name, help, 'counter', labels);
    return {
      add(n = 1) {
        if (n > 0) series.value += n;
      },
    };
  }

  gauge(name: string, help: string, read: () => number, labels: Record<string, string> = {}): void {
    this.series(name, help, 'gauge', labels).read = read;
  }

  /** A counter whose running total is kept elsewhere (e.g. the process's CPU time), read at collect time. */
  observedCounter(name: string, help: string, read: () => number, labels: Record<string, string> = {}): void {
    this.series(name, help, 'counter', labels).read = read;
  }

  collect(): InternalMetricPoint[] {
    const out: InternalMetricPoint[] = [];
    for (const name of [...this.families.keys()].sort()) {
      const f = this.families.get(name)!;
      for (const s of f.series.values()) {
        let value = s.value;
        if (s.read) {
          try {
            value = s.read();
          } catch {
            continue;
          }
          if (!Number.isFinite(value)) continue;
        }
        out.push({ name, help: f.help, type: f.type, labels: s.labels, value });
      }
    }
    return out;
  }

  /** Sum of the values of `name` whose labels include `match` (tests and `lumen validate` use it). */
  value(name: string, match: Record<string, string> = {}): number {
    let total = 0;
    for (const p of this.collect()) {
      if (p.name === name && Object.entries(match).every(([k, v]) => p.labels[k] === v)) total += p.value;
    }
    return total;
  }

  private series(name: string, help: string, type: 'counter' | 'gauge', labels: Record<string, string>): Series {
    if (!METRIC_NAME.test(name)) throw new LumenError('LUMEN_INVALID_METRIC', `internal metric name ${JSON.stringify(name)} must match ${METRIC_NAME}`);
    for (const k of Object.keys(labels)) {
      if (!LABEL_NAME.test(k)) throw new LumenError('LUMEN_INVALID_METRIC', `internal metric ${name}: label name ${JSON.stringify(k)} must match ${LABEL_NAME}`);
    }
    let family = this.families.get(name);
    if (!family) {
      family = { help, type, series: new Map() };
      this.families.set(name, family);
    } else if (family.type !== type) {
      throw new LumenError('LUMEN_INVALID_METRIC', `internal metric ${name} is already registered as a ${family.type}, not a ${type}`);
    }
    const sorted = Object.keys(labels).sort();
    const key = sorted.map((k) => `${k}\u0000${labels[k]}`).join('\u0001');
    let s = family.series.get(key);
    if (!s) {
      const frozen: Record<string, string> = {};
      for (const k of sorted) frozen[k] = String(labels[k]);
      s = { name, labels: Object.freeze(frozen), value: 0 };
      family.series.set(key, s);
    }
    return s;
  }
}

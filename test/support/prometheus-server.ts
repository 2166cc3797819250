import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Debian's real `prometheus` server for tests: loopback only, a temp config and TSDB, scrape_interval 1s.
 * The first scrape is queryable a few seconds after start: poll with waitFor().
 */
export interface PrometheusServer {
  readonly url: string;
  /** Instant query; returns data.result of /api/v1/query. */
  query(expr: string): Promise<PromSample[]>;
  /** Polls `expr` until `accept(result)` is true; throws with the last result after `timeoutMs`. */
  waitFor(expr: string, accept: (r: PromSample[]) => boolean, timeoutMs?: number): Promise<PromSample[]>;
  /** Scrape targets' health as Prometheus reports it. */
  targets(): Promise<{ health: string; lastError: string; scrapeUrl: string }[]>;
  stop(): Promise<void>;
}

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface PrometheusOptions {
  /** Port Prometheus listens on (loopback). */
  port: number;
  /** host:port targets to scrape. */
  targets: string[];
  metricsPath?: string;
  scrapeInterval?: string;
  /** Keep the job/instance labels the targets expose (default true); false when several targets expose the same series. */
  honorLabels?: boolean;
}

export async function startPrometheus(o: PrometheusOptions): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'lumen-prom-'));
  const config = [
    'global:',
    `  scrape_interval: ${o.scrapeInterval ?? '1s'}`,
    `  evaluation_interval: ${o.scrapeInterval ?? '1s'}`,
    'scrape_configs:',
    '  - job_name: lumen',
    `    metrics_path: ${o.metricsPath ?? '/metrics'}`,
    `    honor_labels: ${o.honorLabels ?? true}`,
    '    static_configs:',
    `      - targets: [${o.targets.map((t) => JSON.stringify(t)).join(', ')}]`,
    '',
  ].join('\n');
  writeFileSync(join(dir, 'prometheus.yml'), config);
  const url = `http://127.0.0.1:${o.port}`;
  const child: ChildProcess = spawn('prometheus', [
    `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${o.port}`, '--log.level=warn',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}: ${stderr}`);
      try {
        if ((await fetch(`${url}/-/ready`)).ok) break;
      } catch { /* not listening yet */ }
      if (Date.now() > deadline) throw new Error(`prometheus not ready after 30s: ${stderr}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const query = async (expr: string): Promise<PromSample[]> => {
    const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as { status: string; error?: string; data?: { result: PromSample[] } };
    if (body.status !== 'success') throw new Error(`query ${expr} failed: ${body.error}`);
    return body.data!.result;
  };
  return {
    url,
    query,
    async waitFor(expr, accept, timeoutMs = 40_000) {
      const deadline = Date.now() + timeoutMs;
      let last: PromSample[] = [];
      for (;;) {
        last = await query(expr);
        if (accept(last)) return last;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${expr}; last result ${JSON.stringify(last)}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    },
    async targets() {
      const res = await fetch(`${url}/api/v1/targets`);
      const body = (await res.json()) as { data: { activeTargets: { health: string; lastError: string; scrapeUrl: string }[] } };
      return body.data.activeTargets;
    },
    stop,
  };
}

/** Runs Debian's `promtool check metrics` (Prometheus's own text-format parser and linter) over `text`. */
export function promtoolCheck(text: string): { ok: boolean; output: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`.trim() };
}

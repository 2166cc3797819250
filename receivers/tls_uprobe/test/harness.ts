/**
 * Runs the real tls_uprobe receiver with a real Discovery selecting the test's processes: TLS ports
 * 19800-19899 (or `ports`) and any command line carrying the test's marker. Collects the spans it emits.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createDiscovery } from '../../../src/discovery/index.js';
import type { Discovery } from '../../../src/discovery/types.js';
import type { Span } from '../../../src/model/span.js';
import { testContext, type TestContext } from '../../../test/support/context.js';
import { configFromYaml } from '../../../src/config/component-config.js';
import type { TlsUprobeConfig } from '../config.js';
import { tlsUprobeFactory } from '../index.js';
import { sleep } from './servers.js';
import { cleanUp } from '../../../test/support/cleanup.js';

export interface Harness {
  readonly ctx: TestContext;
  readonly discovery: Discovery;
  /** Put this in a client's command line to have discovery select it. */
  readonly marker: string;
  readonly spans: Span[];
  /** Resolves once pid has TLS probes (the attach log line), or rejects after timeoutMs. */
  probed(pid: number, timeoutMs?: number): Promise<void>;
  /** Waits until `n` spans match (or timeout), then returns those. */
  waitSpans(pred: (s: Span) => boolean, n: number, timeoutMs?: number): Promise<Span[]>;
  counter(name: string): number;
  stop(): Promise<void>;
}

/** Receiver options as pipelines.yaml writes them ("2s"), validated and decoded as the agent does. */
export async function startHarness(config: { [K in keyof TlsUprobeConfig]?: unknown } = {}, ports = '19800-19899'): Promise<Harness> {
  const marker = `lumen-tls-mark-${randomBytes(4).toString('hex')}`;
  const base = testContext('tls_uprobe');
  const discovery = createDiscovery({
    instrument: [{ open_ports: ports }, { cmd_args: `*${marker}*` }],
    poll_interval: '200ms',
  }, { logger: base.logger, telemetry: base.telemetry, hostName: 'test-host' });
  const ctx = testContext('tls_uprobe', { discovery, metrics: base.metrics });
  await discovery.start();
  const receiver = tlsUprobeFactory.create(configFromYaml<TlsUprobeConfig>(tlsUprobeFactory, { rescan_interval: '500ms', ...config }), ctx);
  const spans: Span[] = [];
  const sub = receiver.output.subscribe((b) => { if (b.kind === 'spans') spans.push(...b.items); });
  await receiver.start();
  let stopped = false;
  const h: Harness = {
    ctx, discovery, marker, spans,
    async probed(pid, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (ctx.logs.some((l) => l.msg.includes(`pid ${pid} (`) && l.msg.includes('TLS probes on'))) return;
        await sleep(25);
      }
      throw new Error(`pid ${pid} got no TLS probes in ${timeoutMs} ms; logs:\n${ctx.logs.map((l) => `${l.level} ${l.msg}`).join('\n')}`);
    },
    async waitSpans(pred, n, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline && spans.filter(pred).length < n) await sleep(25);
      return spans.filter(pred);
    },
    counter: (name) => base.metrics.value(name),
    async stop() {
      if (stopped) return;
      stopped = true;
      await cleanUp(() => receiver.shutdown(), () => sub.unsubscribe(), () => discovery.shutdown());
    },
  };
  return h;
}

/**
 * Request i of `paths` (a GET of path?query) gave server[i] and client[i]: both HTTPS GETs of that path with
 * statuses[i]. `more` adds a test's own checks for each span of the pair.
 */
export function assertHttpsGets(server: Span[], client: Span[], paths: string[], statuses: number[], more?: (s: Span, i: number) => void): void {
  for (const [i, p] of paths.entries()) {
    for (const s of [server[i]!, client[i]!]) {
      assert.equal(s.http?.scheme, 'https');
      assert.equal(s.http?.method, 'GET');
      assert.equal(s.http?.path, p.split('?')[0]);
      assert.equal(s.http?.status, statuses[i]);
      more?.(s, i);
    }
  }
}

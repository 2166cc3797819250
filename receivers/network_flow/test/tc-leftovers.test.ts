/**
 * Issue #11.4 with the real agent: `lumen run` with `network_flow.source: tc` in a namespace, killed with
 * SIGKILL, leaves nothing attached (tcx links die with the process); a restart holds exactly one pair; a clean
 * stop leaves nothing either. What the agent holds is read from its /proc/PID/fdinfo (BPF ids are kernel-wide).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { heldBy, kernelSnapshot, stillPresent, type LinkTypes, type Owned } from '../../../test/bpf/support/kernel.js';
import { inNs, removePair, sh, sleep } from './netns.js';

const root = process.getuid?.() === 0;
const NS = 'nf_tcleft';
const DEV = 'nftl0';
const CLI = join(dirname(fileURLToPath(import.meta.url)), 'lumen-cli.ts');

interface Running {
  child: ChildProcess;
  owned: Owned;
  tcx: number[];
  output(): string;
}

/** Starts `lumen run` in the namespace and waits until it holds its two tcx links. */
async function startAgent(config: string): Promise<Running> {
  const child = spawn('ip', ['netns', 'exec', NS, process.execPath, '--import', 'tsx', CLI, 'run', '-c', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  for (let i = 0; i < 150; i++) {
    const types: LinkTypes = new Map();
    const owned = heldBy(child.pid!, types);
    const tcx = [...types].filter(([, t]) => t === 'tcx').map(([id]) => id);
    if (tcx.length >= 2) return { child, owned, tcx, output: () => out };
    if (child.exitCode !== null) break;
    await sleep(200);
  }
  child.kill('SIGKILL');
  throw new Error(`the agent did not attach its tcx links within 30s\n${out}`);
}

const tcState = () => ({
  qdisc: inNs(NS, 'tc', ['qdisc', 'show', 'dev', DEV]).includes('clsact'),
  filters: inNs(NS, 'tc', ['filter', 'show', 'dev', DEV, 'ingress']) + inNs(NS, 'tc', ['filter', 'show', 'dev', DEV, 'egress']),
});

test('network_flow source tc: kill -9 leaves nothing attached, a restart holds one pair, a clean stop leaves nothing', { skip: !root && 'needs root', timeout: 120_000 }, async (t) => {
  removePair({ a: NS, b: `${NS}_unused` });
  sh('ip', ['netns', 'add', NS]);
  sh('ip', ['-n', NS, 'link', 'add', DEV, 'type', 'veth', 'peer', 'name', 'nftl1']);
  sh('ip', ['-n', NS, 'link', 'set', DEV, 'up']);
  sh('ip', ['-n', NS, 'link', 'set', 'nftl1', 'up']);
  const dir = mkdtempSync(join(tmpdir(), 'nf-tcleft-'));
  const config = join(dir, 'pipelines.yaml');
  writeFileSync(config, `
discovery:
  instrument: [{ open_ports: "1" }]
  watcher: poll
receivers:
  network_flow: { source: tc, interfaces: [${DEV}], decorate_processes: false }
exporters:
  print_flows: { format: json }
service:
  pipelines:
    flows: { receivers: [network_flow], exporters: [print_flows] }
`);
  const agents: ChildProcess[] = [];
  t.after(() => {
    for (const a of agents) a.kill('SIGKILL');
    sh('ip', ['netns', 'del', NS]);
    rmSync(dir, { recursive: true, force: true });
  });

  const first = await startAgent(config);
  agents.push(first.child);
  assert.equal(first.tcx.length, 2, 'ingress and egress');
  assert.match(first.output(), /TC programs held by tcx links/);
  first.child.kill('SIGKILL');
  await once(first.child, 'exit');
  assert.deepEqual(await stillPresent(first.owned), { progs: [], maps: [], links: [] }, 'no link, program or map of the killed agent remains');
  assert.deepEqual(tcState(), { qdisc: false, filters: '' }, 'no clsact qdisc and no filter on the interface');

  const second = await startAgent(config);
  agents.push(second.child);
  const ours = new Set([...first.owned.progs, ...second.owned.progs]);
  // The new agent attaches its other links (tracepoints) after the tcx pair: only those are left out, by type.
  const secondTypes: LinkTypes = new Map();
  heldBy(second.child.pid!, secondTypes);
  const otherKinds = (id: number) => secondTypes.has(id) && secondTypes.get(id) !== 'tcx';
  const attached = [...kernelSnapshot().links].filter(([id, prog]) => ours.has(prog) && !otherKinds(id)).map(([id]) => id).sort();
  assert.deepEqual(attached, [...second.tcx].sort(), 'after the restart exactly one pair of links is attached: the new agent\'s');

  second.child.kill('SIGTERM');
  const [code] = (await once(second.child, 'exit')) as [number | null];
  assert.equal(code, 0, `clean stop exits 0\n${second.output()}`);
  assert.deepEqual(await stillPresent(second.owned), { progs: [], maps: [], links: [] }, 'a clean stop leaves nothing either');
  assert.deepEqual(tcState(), { qdisc: false, filters: '' });
});

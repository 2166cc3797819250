/**
 * `npm start` as a user runs it (the default pipelines.yaml, real kernel probes), stopped by a signal. The setup
 * step is skipped (LUMEN_SKIP_SETUP=1: the suite has built already); the signal path is the real one: npm, its
 * script, the agent. Prometheus endpoints: 127.0.0.1:19490-19491.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { spawnWatched, type CliRun } from './support/cli-process.js';
import { ensureBuilt } from './support/built.js';
import { REPEATED_SIGNAL_MS } from '../src/agent.js';

before(() => ensureBuilt());

function npmStart(port: number, detached = false): CliRun {
  return spawnWatched('npm', ['start'], {
    env: { LUMEN_SKIP_SETUP: '1', LUMEN_PROMETHEUS_ENDPOINT: `127.0.0.1:${port}` }, detached,
  });
}

const children = (pid: number) =>
  readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');

/** Waits for the agent to start and returns its pid: npm's only child, node itself (no shell in between). */
async function agentOf(npm: CliRun): Promise<number> {
  await npm.waitFor((r) => /lumen started/.test(r.stderr), 60_000);
  const kids = children(npm.child.pid!);
  assert.equal(kids.length, 1, `npm has one child: ${kids.map(cmdline).join(' | ')}`);
  assert.equal(cmdline(kids[0]!), 'node --max-semi-space-size=8 bin/lumen.js run', 'the start script exec()s the agent, with its V8 heap setting');
  return kids[0]!;
}

async function assertStoppedCleanly(npm: CliRun, agent: number, signal: string): Promise<void> {
  assert.equal(await npm.exited, 0, `npm start exits 0 (its child, the agent, exited 0); stderr:\n${npm.stderr.slice(-3000)}`);
  assert.equal(existsSync(`/proc/${agent}`), false, 'the agent process is gone');
  assert.match(npm.stderr, new RegExp(`${signal} received, stopping`));
  assert.match(npm.stderr, /lumen stopped/, 'a graceful stop (exporters flushed)');
  assert.doesNotMatch(npm.stderr, /exiting without finishing the shutdown/);
}

test('npm start: SIGINT to the npm pid reaches the agent, which stops gracefully; npm exits 0', { timeout: 120_000 }, async (t) => {
  const npm = npmStart(19490);
  t.after(() => { if (npm.child.exitCode === null) npm.child.kill('SIGKILL'); });
  const agent = await agentOf(npm);
  t.after(() => { try { process.kill(agent, 'SIGKILL'); } catch { /* gone, as it should be */ } });
  npm.child.kill('SIGINT');
  await assertStoppedCleanly(npm, agent, 'SIGINT');
});

test('npm start: Ctrl-C (SIGINT to the whole process group: npm forwards it, the agent gets it twice) stops it once, exit 0', { timeout: 120_000 }, async (t) => {
  // What a terminal does on Ctrl-C, and `timeout -s INT` on expiry: signal npm's process group.
  const npm = npmStart(19491, true);
  t.after(() => { try { process.kill(-npm.child.pid!, 'SIGKILL'); } catch { /* gone */ } });
  const agent = await agentOf(npm);
  process.kill(-npm.child.pid!, 'SIGINT');
  await assertStoppedCleanly(npm, agent, 'SIGINT');
});

test("npm start: npm's copy of a Ctrl-C that arrives late (npm scheduled late on a loaded machine) is not a second Ctrl-C; the next one is", { timeout: 60_000 }, async (t) => {
  // The agent's signal handling under real npm, around a stop that takes a minute (test/programs/npm-signals).
  const npm = spawnWatched('npm', ['start'], { cwd: new URL('programs/npm-signals/', import.meta.url).pathname, detached: true });
  t.after(() => { try { process.kill(-npm.child.pid!, 'SIGKILL'); } catch { /* gone */ } });
  await npm.waitFor((r) => r.stdout.includes('ready'), 30_000);
  const [agent] = children(npm.child.pid!);
  process.kill(agent!, 'SIGINT'); // the terminal's copy, straight to the agent
  await npm.waitFor((r) => r.stdout.includes('signal 1'));
  await new Promise((r) => setTimeout(r, 2 * REPEATED_SIGNAL_MS));
  npm.child.kill('SIGINT'); // npm's copy, forwarded late
  await npm.waitFor((r) => r.stdout.includes('signal 2'));
  assert.doesNotMatch(npm.stderr, /exiting without finishing the shutdown/);
  assert.equal(existsSync(`/proc/${agent}`), true, 'still stopping');
  process.kill(-npm.child.pid!, 'SIGINT'); // a second Ctrl-C
  assert.notEqual(await npm.exited, 0);
  assert.match(npm.stderr, /second SIGINT: exiting without finishing the shutdown/);
  assert.equal(npm.stdout.match(/^signal \d+$/gm)?.length, 2, 'the second Ctrl-C exited at its first copy');
});

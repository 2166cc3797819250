import { spawn, type ChildProcess } from 'node:child_process';

const ROOT = new URL('../..', import.meta.url).pathname;

export interface CliRun {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  /** Resolves with the exit code (or 128+n when killed by signal n). */
  readonly exited: Promise<number>;
  /** Resolves when `predicate` holds for the output so far; rejects after `ms`. */
  waitFor(predicate: (run: CliRun) => boolean, ms?: number): Promise<void>;
}

/** Spawns the CLI from sources (test/support/lumen-cli.ts through tsx) in the repository root. */
export function spawnLumen(args: string[], env: Record<string, string> = {}): CliRun {
  return spawnWatched(process.execPath, ['--import', 'tsx', 'test/support/lumen-cli.ts', ...args], { env });
}

/** Spawns any command (in the repository root unless `cwd`) with its output collected (`detached`: its own process group). */
export function spawnWatched(command: string, args: string[], opts: { env?: Record<string, string>; detached?: boolean; cwd?: string } = {}): CliRun {
  const child = spawn(command, args, {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: opts.detached ?? false,
  });
  const waiters: (() => void)[] = [];
  const run: CliRun = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => {
      child.on('exit', (code, signal) => resolve(code ?? 128 + (signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : 2)));
    }),
    waitFor(predicate, ms = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (predicate(run)) {
            clearTimeout(timer);
            resolve();
            return true;
          }
          return false;
        };
        const timer = setTimeout(() => reject(new Error(`timed out; stdout:\n${run.stdout.slice(-2000)}\nstderr:\n${run.stderr.slice(-2000)}`)), ms);
        if (!check()) waiters.push(() => void check());
        void run.exited.then(() => setTimeout(() => check() || reject(new Error(`exited before the condition held; stderr:\n${run.stderr}`)), 50));
      });
    },
  };
  child.stdout!.on('data', (d: Buffer) => {
    run.stdout += d.toString();
    for (const w of waiters) w();
  });
  child.stderr!.on('data', (d: Buffer) => {
    run.stderr += d.toString();
    for (const w of waiters) w();
  });
  return run;
}

/** Runs to completion and returns code and output. */
export async function runLumen(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const run = spawnLumen(args, env);
  const code = await run.exited;
  await new Promise((r) => setTimeout(r, 20));
  return { code, stdout: run.stdout, stderr: run.stderr };
}

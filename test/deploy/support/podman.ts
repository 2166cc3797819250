/**
 * Building and running Lumen's image with Debian's podman, the way CI's machine can: no container registry is
 * reachable there, so the Dockerfile's base image (debian:bookworm-slim) is made from Debian's packages with
 * mmdebstrap (deploy/container/debian-base.sh) and imported under that name. Everything after FROM is the
 * Dockerfile's own. Under CI=true a missing tool fails the test instead of skipping it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = new URL('../../..', import.meta.url).pathname;
export const IMAGE = 'lumen';

/** A skip reason when a tool is missing, or false; under CI=true the missing tool is an error (CI must not skip). */
export function needTools(...tools: string[]): string | false {
  const missing = tools.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
  if (process.getuid?.() !== 0) missing.push('root');
  if (missing.length === 0) return false;
  const why = `missing: ${missing.join(', ')} (scripts/apt-test.txt installs them)`;
  if (process.env.CI === 'true') throw new Error(`CI=true: ${why}`);
  return why;
}

/**
 * This machine's container settings, in a containers.conf of their own (CONTAINERS_CONF) so that commands from
 * the docs run as written: runc as the runtime, and ulimits the VM's hard limits allow (podman's default
 * nofile limit is above them).
 */
export function podmanEnv(): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(tmpdir(), 'lumen-podman-'));
  const conf = join(dir, 'containers.conf');
  writeFileSync(conf, [
    '[containers]',
    'default_ulimits = ["nofile=1024:4096", "nproc=1024:4096"]',
    '[engine]',
    'runtime = "runc"',
    '',
  ].join('\n'));
  return { ...process.env, CONTAINERS_CONF: conf };
}

export function podman(args: string[], env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync('podman', args, { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`podman ${args.join(' ')} exited ${r.status}:\n${(r.stderr || r.stdout).slice(-4000)}`);
  return r.stdout;
}

/** Removes containers by name, ignoring the ones that do not exist. */
export function removeContainers(...names: string[]): void {
  for (const n of names) spawnSync('podman', ['rm', '-f', '-t', '2', n], { stdio: 'ignore' });
}

/** The host's CA bundle, for builds behind a TLS-intercepting proxy (the Dockerfile's CURL_CA_BUNDLE / NODE_EXTRA_CA_CERTS). */
const HOST_CA = '/etc/ssl/certs/ca-certificates.crt';

/**
 * Makes the base image when missing (mmdebstrap), then `podman build` of the repository's Dockerfile with the
 * layer cache (a change to the TypeScript rebuilds only the last build steps). Returns the seconds it took.
 */
export function buildImage(tag = IMAGE): { baseSeconds: number; buildSeconds: number } {
  let t = performance.now();
  execFileSync('bash', [join(ROOT, 'deploy/container/debian-base.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const baseSeconds = (performance.now() - t) / 1000;
  const ca = existsSync(HOST_CA)
    ? ['-v', `${HOST_CA}:/run/host-ca.crt:ro`, '--build-arg', 'CURL_CA_BUNDLE=/run/host-ca.crt', '--build-arg', 'NODE_EXTRA_CA_CERTS=/run/host-ca.crt']
    : [];
  t = performance.now();
  podman(['build', '--layers', '--pull=never', '--format', 'docker', '--network=host', '--runtime', 'runc',
    '--ulimit', 'nofile=1024:4096', '--ulimit', 'nproc=1024:4096', ...ca, '-t', tag, ROOT]);
  return { baseSeconds, buildSeconds: (performance.now() - t) / 1000 };
}

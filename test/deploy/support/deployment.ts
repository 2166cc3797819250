/**
 * What the deployment files must agree with, read from their single sources: the capabilities and mounts
 * `lumen doctor` checks (src/bpf/features), and the README's container command.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { capabilities } from '../../../src/bpf/features/system.js';
import { BPF_MOUNTS } from '../../../src/bpf/features/mounts.js';
import { ROOT } from './podman.js';

/** The capabilities a container gets instead of --privileged: those `lumen doctor` lists as needed in one. */
export const CONTAINER_CAPABILITIES: readonly string[] = capabilities('CapEff: 0').filter((c) => c.inContainer).map((c) => c.name);

/** The host file systems a container mounts (bpffs, tracefs, cgroup2, securityfs): those `lumen doctor` checks. */
export const CONTAINER_MOUNTS: readonly string[] = BPF_MOUNTS.map((m) => m.container);

/** The `podman run` command of the README's "In a container" section, exactly as written there. */
export function readmeRunCommand(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = /^### In a container\n([^]*?)^##/m.exec(readme)?.[1] ?? '';
  const line = section.split('\n').find((l) => l.startsWith('podman run '));
  if (!line) throw new Error('README.md "### In a container" has no line starting with "podman run "');
  return line;
}

/**
 * What the deployment files must agree with, read from their single sources: the capabilities and mounts
 * `lumen doctor` checks (src/bpf/features), and the README's container command.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { capabilities } from '../../../src/bpf/features/system.js';
import { BPF_MOUNTS } from '../../../src/bpf/features/mounts.js';
import type { ReceiverFactory } from '../../../src/component/index.js';
import { BUILTIN_FACTORIES } from '../../../distribution/builtins.js';
import { ROOT } from './podman.js';

/**
 * The capabilities a non-privileged container needs to run these receivers: those `lumen doctor` always wants in
 * a container, plus those the probes of the receivers' needs.ts call for there (uprobes: CAP_SYS_ADMIN).
 */
export function containerCapabilities(receiverTypes: readonly string[]): string[] {
  const probes = new Set(receiverTypes.flatMap((type) => {
    const factory = BUILTIN_FACTORIES.find((f): f is ReceiverFactory<unknown> => f.kind === 'receiver' && f.type === type);
    if (!factory) throw new Error(`no built-in receiver ${type}`);
    return (factory.kernelNeeds?.required ?? []).flat().map((n) => n.probe);
  }));
  return capabilities('CapEff: 0')
    .filter((c) => c.inContainer === true || c.inContainer.some((p) => probes.has(p)))
    .map((c) => c.name);
}

/** The image test's list: what the default pipelines.yaml's kernel_socket needs. */
export const CONTAINER_CAPABILITIES: readonly string[] = containerCapabilities(['kernel_socket']);

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

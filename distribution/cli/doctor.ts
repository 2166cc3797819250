import { Command } from 'commander';
import { getFeatures, receiverSupport } from '../../src/bpf/features/index.js';
import { formatDoctor, formatUnprivileged } from './doctor-format.js';
import { formatPropagation, propagationSupport } from './doctor-propagation.js';
import { processIo, type Io } from './io.js';
import type { AnyFactory, ReceiverFactory } from '../../src/component/index.js';
import { builtinRegistry } from '../default-registry.js';

export interface DoctorOptions {
  json?: boolean;
  /** commander's --no-mount */
  mount?: boolean;
}

/**
 * `lumen doctor`: probes this kernel (program/attach types actually loaded here), the process's capabilities
 * and mounts, and says, for each registered receiver, what it needs from the kernel, whether this kernel has it,
 * and what to change. Exit 0 when the core receivers (those whose needs say `core`) can run, 1 otherwise.
 * `components` are an embedding program's own factories, listed with the built-ins.
 */
export function runDoctor(opts: DoctorOptions, io: Io = processIo, components: readonly AnyFactory[] = []): number {
  let report;
  try {
    report = getFeatures({ mount: opts.mount !== false, refresh: true });
  } catch (e) {
    io.stderr(`lumen doctor: probing failed: ${(e as Error).message}\n`);
    return 1;
  }
  const registered = builtinRegistry(components).all();
  const receivers = receiverSupport(report, registered.filter((f): f is ReceiverFactory<unknown> => f.kind === 'receiver'));
  const others = registered.filter((f) => f.kind !== 'receiver').map((f) => ({ kind: f.kind, type: f.type }));
  const coreOk = receivers.filter((r) => r.core).every((r) => r.status !== 'unavailable');
  const propagation = propagationSupport(report);
  if (opts.json) {
    io.stdout(`${JSON.stringify({ ...report, receivers, others, propagation, ok: coreOk }, null, 2)}\n`);
    return coreOk ? 0 : 1;
  }
  if (!report.privileged) io.stderr(formatUnprivileged(report));
  io.stdout(formatDoctor(report, receivers, others));
  io.stdout(formatPropagation(propagation));
  io.stdout(coreOk ? '\nOK: the core receivers can run on this host.\n' : '\nNOT OK: a core receiver cannot run here; see the ✗ lines above for what to change.\n');
  return coreOk ? 0 : 1;
}

export function doctorCommand(components: readonly AnyFactory[] = []): Command {
  return new Command('doctor')
    .description('check what this kernel and process allow: BPF program types, capabilities, mounts, receivers')
    .option('--json', 'print the report as JSON')
    .option('--no-mount', 'do not mount missing bpffs/tracefs/cgroup2/securityfs (mounting needs root)')
    .action((opts: DoctorOptions) => {
      process.exitCode = runDoctor(opts, processIo, components);
    });
}

import { Command } from 'commander';
import { getFeatures, receiverSupport } from '../../src/bpf/features/index.js';
import { formatDoctor, formatUnprivileged } from './doctor-format.js';
import { processIo, type Io } from './io.js';

export interface DoctorOptions {
  json?: boolean;
  /** commander's --no-mount */
  mount?: boolean;
}

/**
 * `lumen doctor`: probes this kernel (program/attach types actually loaded here), the process's capabilities
 * and mounts, and says what each receiver can do and what to change. Exit 0 when the core receivers
 * (kernel_socket, network_flow) can run, 1 otherwise.
 */
export function runDoctor(opts: DoctorOptions, io: Io = processIo): number {
  let report;
  try {
    report = getFeatures({ mount: opts.mount !== false, refresh: true });
  } catch (e) {
    io.stderr(`lumen doctor: probing failed: ${(e as Error).message}\n`);
    return 1;
  }
  const receivers = receiverSupport(report);
  const coreOk = receivers.filter((r) => r.core).every((r) => r.status !== 'unavailable');
  if (opts.json) {
    io.stdout(`${JSON.stringify({ ...report, receivers, ok: coreOk }, null, 2)}\n`);
    return coreOk ? 0 : 1;
  }
  if (!report.privileged) io.stderr(formatUnprivileged(report));
  io.stdout(formatDoctor(report, receivers));
  io.stdout(coreOk ? '\nOK: the core receivers can run on this host.\n' : '\nNOT OK: a core receiver cannot run here; see the ✗ lines above for what to change.\n');
  return coreOk ? 0 : 1;
}

export function doctorCommand(): Command {
  return new Command('doctor')
    .description('check what this kernel and process allow: BPF program types, capabilities, mounts, receivers')
    .option('--json', 'print the report as JSON')
    .option('--no-mount', 'do not mount missing bpffs/tracefs/cgroup2/securityfs (mounting needs root)')
    .action((opts: DoctorOptions) => {
      process.exitCode = runDoctor(opts);
    });
}

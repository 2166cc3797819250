import { readFileSync } from 'node:fs';

const CLK_TCK = 100; // sysconf(_SC_CLK_TCK) on Linux x86-64

/** The whole machine's CPU time by kind, in seconds since boot (the `cpu` line of /proc/stat). */
export interface MachineCpu {
  /** user + nice + system + irq + softirq: every process and the kernel's own work. */
  busy: number;
  idle: number;
  /** Time the hypervisor ran something else while a vCPU had work. */
  steal: number;
  /** Of busy: softirq (network receive/transmit of loopback traffic runs here). */
  softirq: number;
}

export function machineCpu(): MachineCpu {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = f as [number, number, number, number, number, number, number, number];
  return { busy: (user + nice + system + irq + softirq) / CLK_TCK, idle: (idle + iowait) / CLK_TCK, steal: steal / CLK_TCK, softirq: softirq / CLK_TCK };
}

/** What the machine did between two readings. */
export function machineDelta(a: MachineCpu, b: MachineCpu): MachineCpu {
  return { busy: b.busy - a.busy, idle: b.idle - a.idle, steal: b.steal - a.steal, softirq: b.softirq - a.softirq };
}

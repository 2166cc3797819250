import type { FeatureReport, ProbeId } from './types.js';
import type { KernelNeeds } from './needs.js';

export type ReceiverStatus = 'full' | 'degraded' | 'unavailable';

export interface ReceiverSupport {
  /** Receiver type, as in pipelines.yaml. */
  readonly name: string;
  /** Core receivers must run for `lumen doctor` to pass. */
  readonly core: boolean;
  readonly status: ReceiverStatus;
  /** One line: what it does here. */
  readonly summary: string;
  /** Every kernel feature it uses and whether this kernel has it (empty: it needs nothing from the kernel). */
  readonly needs: ReadonlyArray<{ readonly what: string; readonly present: boolean; readonly optional: boolean }>;
  /** What is missing and what to change. */
  readonly missing: ReadonlyArray<{ readonly what: string; readonly fix: string }>;
}

/** A registered receiver as doctor sees it: its type and, if it uses the kernel, what it needs. */
export interface ReceiverNeeds {
  readonly type: string;
  readonly kernelNeeds?: KernelNeeds;
}

const NOTHING: KernelNeeds = { core: false, does: 'needs nothing from the kernel', required: [], optional: [] };

/** What each of `receivers` can do with the probed features, and what to change for what it cannot. */
export function receiverSupport(report: FeatureReport, receivers: readonly ReceiverNeeds[]): ReceiverSupport[] {
  const ok = (p: ProbeId) => report.probes[p].status === 'yes';
  const fix = (p: ProbeId) => report.probes[p].fix ?? report.probes[p].detail;
  return receivers.map(({ type, kernelNeeds }) => {
    const r = kernelNeeds ?? NOTHING;
    const needs = [
      ...r.required.flat().map((n) => ({ what: n.what, present: ok(n.probe), optional: false })),
      ...r.optional.filter((o) => !r.required.flat().some((n) => n.probe === o.probe)).map((o) => ({ what: o.what, present: ok(o.probe), optional: true })),
    ];
    const missing: Array<{ what: string; fix: string }> = [];
    let usable = true;
    for (const group of r.required) {
      if (group.some((n) => ok(n.probe))) continue;
      usable = false;
      for (const n of group) if (!missing.some((m) => m.what === n.what)) missing.push({ what: n.what, fix: fix(n.probe) });
    }
    let degraded = false;
    if (usable) {
      for (const o of r.optional) {
        if (ok(o.probe)) continue;
        degraded = true;
        missing.push({ what: `${o.what} (without it: no ${o.loses})`, fix: fix(o.probe) });
      }
    }
    const status: ReceiverStatus = !usable ? 'unavailable' : degraded ? 'degraded' : 'full';
    return { name: type, core: r.core, status, summary: r.does, needs, missing };
  });
}

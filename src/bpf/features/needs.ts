import type { ProbeId } from './types.js';

/** One kernel feature a receiver uses: the probe that shows this kernel has it, and how `lumen doctor` names it. */
export interface KernelNeed {
  readonly probe: ProbeId;
  readonly what: string;
}

/**
 * What a receiver needs from the kernel. Each receiver declares it in its own folder (`needs.ts`, set as its
 * factory's `kernelNeeds`); `lumen doctor` checks it against the probed features of the running kernel.
 */
export interface KernelNeeds {
  /** Core receivers must be able to run for `lumen doctor` to pass. */
  readonly core: boolean;
  /** One line: what the receiver does when the kernel has everything. */
  readonly does: string;
  /** Every group must have at least one feature this kernel has (a group lists alternatives). */
  readonly required: readonly (readonly KernelNeed[])[];
  /** Features whose absence degrades the receiver, each with what is lost without it. */
  readonly optional: readonly (KernelNeed & { readonly loses: string })[];
}

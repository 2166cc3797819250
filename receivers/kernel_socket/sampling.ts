import type { ConsumerPipeline, HeadSamplingRule } from '../../src/component/index.js';

/** bpf/include/ks_sample.h */
const KS_SAMPLE_OFF = 0;
const KS_SAMPLE_RATIO = 1;
const KS_SAMPLE_PARENT = 2;
const TWO_53 = 2 ** 53;

export interface KernelSampling {
  /** rodata of ks_sample.h */
  readonly rodata: { ks_sample: number; ks_sample_below: number };
  /** Why sampling stays in user space (logged), or the rule the kernel applies. */
  readonly why: string;
}

const OFF = (why: string): KernelSampling => ({ rodata: { ks_sample: KS_SAMPLE_OFF, ks_sample_below: 0 }, why });

/**
 * Head sampling in the kernel, when it loses nothing: every pipeline the receiver feeds is a traces pipeline whose
 * first sampling step is the same reproducible rule (metrics pipelines need every request — unless the kernel
 * aggregates them: kernel-plan.ts decides the two together). `enabled`: the receiver's kernel_sampling option.
 */
export function kernelSampling(enabled: boolean, consumers: readonly ConsumerPipeline[] | undefined): KernelSampling {
  if (!enabled) return OFF('kernel_sampling: false');
  if (!consumers?.length) return OFF('no pipeline information');
  if (!consumers.some((c) => c.headSampling)) return OFF('no pipeline samples, or not first after routes-like processors');
  const notTraces = consumers.find((c) => c.signal !== 'traces');
  if (notTraces) return OFF(`pipeline ${notTraces.name} needs every request`);
  const unsampled = consumers.find((c) => !c.headSampling);
  if (unsampled) return OFF(`pipeline ${unsampled.name} has no sampling step the kernel reproduces (a sampling processor with only routes-like processors before it)`);
  const rule = consumers[0]!.headSampling!;
  if (!consumers.every((c) => sameRule(c.headSampling!, rule))) return OFF('the pipelines sample differently');
  if (!rule.parentBased && rule.rootRatio >= 1) return OFF('the sampler keeps everything');
  return {
    rodata: { ks_sample: rule.parentBased ? KS_SAMPLE_PARENT : KS_SAMPLE_RATIO, ks_sample_below: ratioBound(rule.rootRatio) },
    why: `${rule.parentBased ? 'parent-based, roots ' : ''}ratio ${rule.rootRatio}`,
  };
}

/**
 * The kernel keeps a trace id when (its last 8 bytes >> 11) < this: the processor's position (those top 53 bits
 * / 2^53) < ratio holds for an integer k exactly when k < ceil(ratio * 2^53), which is exact in a double.
 */
export function ratioBound(ratio: number): number {
  if (!(ratio > 0)) return 0;
  return ratio >= 1 ? TWO_53 : Math.ceil(ratio * TWO_53);
}

function sameRule(a: HeadSamplingRule, b: HeadSamplingRule): boolean {
  return a.parentBased === b.parentBased && a.rootRatio === b.rootRatio;
}

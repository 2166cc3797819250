import { componentConfig } from '../../src/config/component-config.js';
import { enumOf, number, object, type Infer } from '../../src/config/typed-schema.js';

export const SAMPLERS = [
  'always_on', 'always_off', 'traceidratio',
  'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio',
] as const;
export type SamplerName = (typeof SAMPLERS)[number];

/** No schema defaults: an unset option falls back to OTEL_TRACES_SAMPLER[_ARG], then the OpenTelemetry default. */
export const samplingConfig = object({
  /** Unset: OTEL_TRACES_SAMPLER, else parentbased_always_on (the OpenTelemetry default). */
  sampler: enumOf(SAMPLERS),
  /** Ratio for the *traceidratio samplers, 0..1. Unset: OTEL_TRACES_SAMPLER_ARG, else 1. */
  ratio: number({ minimum: 0, maximum: 1 }),
});

export type SamplingConfig = Infer<typeof samplingConfig>;
export const { schema: samplingSchema, defaultConfig: defaultSamplingConfig } = componentConfig(samplingConfig);

export interface ResolvedSampling {
  sampler: SamplerName;
  ratio: number;
  /** Problems with the environment variables (ignored, with the default used instead). */
  warnings: string[];
}

/** Explicit YAML wins; then OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG; then the defaults. */
export function resolveSampling(config: SamplingConfig, env: NodeJS.ProcessEnv = process.env): ResolvedSampling {
  const warnings: string[] = [];
  let sampler = config.sampler;
  if (sampler === undefined) {
    const fromEnv = env.OTEL_TRACES_SAMPLER?.trim().toLowerCase();
    if (fromEnv && (SAMPLERS as readonly string[]).includes(fromEnv)) sampler = fromEnv as SamplerName;
    else if (fromEnv) warnings.push(`OTEL_TRACES_SAMPLER: "${env.OTEL_TRACES_SAMPLER}" is not supported (one of ${SAMPLERS.join(', ')}); using parentbased_always_on`);
  }
  let ratio = config.ratio;
  if (ratio === undefined && env.OTEL_TRACES_SAMPLER_ARG !== undefined && env.OTEL_TRACES_SAMPLER_ARG.trim() !== '') {
    const n = Number(env.OTEL_TRACES_SAMPLER_ARG);
    if (Number.isFinite(n) && n >= 0 && n <= 1) ratio = n;
    else warnings.push(`OTEL_TRACES_SAMPLER_ARG: "${env.OTEL_TRACES_SAMPLER_ARG}" must be a number from 0 to 1; using 1`);
  }
  return { sampler: sampler ?? 'parentbased_always_on', ratio: ratio ?? 1, warnings };
}

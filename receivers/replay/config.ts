import { componentConfig } from '../../src/config/component-config.js';
import { enumOf, integer, number, object, string, type Infer } from '../../src/config/typed-schema.js';

export const replayConfig = object({
  /** JSON Lines file of spans, as print_traces `format: json` writes it. Relative to the working directory. */
  path: string({ minLength: 1, description: 'JSON Lines file of spans (print_traces format: json).' }),
  /** `recorded`: spans come out at the intervals between their start times; `fast`: as fast as the pipeline drains. */
  pace: enumOf(['recorded', 'fast'], { default: 'recorded' }),
  /** Speed-up factor for `recorded` pace (2 = twice as fast). */
  speed: number({ exclusiveMinimum: 0, maximum: 1_000_000, default: 1 }),
  /** How many times the file is played: 0 or 1 = once, N = N times, -1 = forever. */
  loop: integer({ minimum: -1, maximum: 1_000_000, default: 0 }),
  /** Spans per emitted batch. */
  batch_size: integer({ minimum: 1, maximum: 100_000, default: 100 }),
  /** `shifted`: each pass is moved in time so that it starts now; `original`: times exactly as in the file. */
  timestamps: enumOf(['shifted', 'original'], { default: 'shifted' }),
}, { required: ['path'] });

export type ReplayConfig = Infer<typeof replayConfig>;
/** defaultConfig(): every option but `path`, which has no default (the type says it is there: callers add it). */
export const { schema: replaySchema, defaultConfig: defaultReplayConfig } = componentConfig(replayConfig);

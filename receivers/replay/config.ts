import type { JsonSchema } from '../../src/component/index.js';

export interface ReplayConfig {
  /** JSON Lines file of spans, as print_traces `format: json` writes it. Relative to the working directory. */
  path: string;
  /** `recorded`: spans come out at the intervals between their start times; `fast`: as fast as the pipeline drains. */
  pace: 'recorded' | 'fast';
  /** Speed-up factor for `recorded` pace (2 = twice as fast). */
  speed: number;
  /** How many times the file is played: 0 or 1 = once, N = N times, -1 = forever. */
  loop: number;
  /** Spans per emitted batch. */
  batch_size: number;
  /** `shifted`: each pass is moved in time so that it starts now; `original`: times exactly as in the file. */
  timestamps: 'shifted' | 'original';
}

export const replaySchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['path'],
  properties: {
    path: { type: 'string', minLength: 1, description: 'JSON Lines file of spans (print_traces format: json).' },
    pace: { enum: ['recorded', 'fast'], default: 'recorded' },
    speed: { type: 'number', exclusiveMinimum: 0, maximum: 1_000_000, default: 1 },
    loop: { type: 'integer', minimum: -1, maximum: 1_000_000, default: 0 },
    batch_size: { type: 'integer', minimum: 1, maximum: 100_000, default: 100 },
    timestamps: { enum: ['shifted', 'original'], default: 'shifted' },
  },
};

/** Defaults for every option but `path`, which has none. */
export function defaultReplayConfig(): ReplayConfig {
  return { pace: 'recorded', speed: 1, loop: 0, batch_size: 100, timestamps: 'shifted' } as ReplayConfig;
}

import { componentConfig } from '../../src/config/component-config.js';
import { enumOf, object, type Infer } from '../../src/config/typed-schema.js';

export const printTracesConfig = object({
  /** `text`: Beyla's one-line layout; `json`: one JSON object per line (what the replay receiver reads). */
  format: enumOf(['text', 'json'], { default: 'text', description: 'text (Beyla layout) or json (JSON Lines, replayable).' }),
});

export type PrintTracesConfig = Infer<typeof printTracesConfig>;
export const { schema: printTracesSchema, defaultConfig: defaultPrintTracesConfig } = componentConfig(printTracesConfig);

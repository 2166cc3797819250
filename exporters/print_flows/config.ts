import { componentConfig } from '../../src/config/component-config.js';
import { enumOf, object, type Infer } from '../../src/config/typed-schema.js';

export const printFlowsConfig = object({
  /** `text`: one readable line per flow; `json`: one JSON object per flow (JSON Lines). */
  format: enumOf(['text', 'json'], { default: 'text', description: 'text (one line per flow) or json (JSON Lines).' }),
});

export type PrintFlowsConfig = Infer<typeof printFlowsConfig>;
export const { schema: printFlowsSchema, defaultConfig: defaultPrintFlowsConfig } = componentConfig(printFlowsConfig);

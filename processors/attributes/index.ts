import type { ProcessorFactory } from '../../src/component/index.js';
import { OverflowSelection } from '../common/overflow.js';
import { map } from 'rxjs';
import type { Batch } from '../../src/model/batch.js';
import { actionProblem, compileSpanAction } from './actions.js';
import { attributesSchema, defaultAttributesConfig, type AttributesConfig } from './config.js';
import { ResourceRewriter } from './resource.js';
import { MetricSelection } from './selection.js';

export type { AttributesConfig } from './config.js';
export { MetricSelection, normalizeMetric } from './selection.js';

/**
 * `attributes`: installs Beyla's `select` on every batch (which attributes each metric carries; metric
 * exporters read it) and applies Collector-style actions to span and resource attributes.
 */
export const attributesProcessorFactory: ProcessorFactory<AttributesConfig> = {
  type: 'attributes',
  kind: 'processor',
  signals: ['traces', 'metrics', 'flows'],
  schema: attributesSchema,
  defaultConfig: defaultAttributesConfig,
  // Action shapes the schema cannot express, reported at validation with the action's file:line:col.
  validate: (config) => config.actions.flatMap((a, i) => {
    const problem = actionProblem(a);
    return problem ? [{ path: ['actions', i], message: problem }] : [];
  }),
  create(config) {
    const actions = config.actions ?? [];
    const spanActions = actions.flatMap((a, i) => ((a.context ?? 'span') === 'span' ? [compileSpanAction(a, i)] : []));
    const resources = new ResourceRewriter(actions.map((a, i) => [a, i] as const).filter(([a]) => a.context === 'resource'));
    const produced = actions.filter((a) => a.action !== 'delete' && (a.context ?? 'span') === 'span').map((a) => a.key);
    const selection = Object.keys(config.select ?? {}).length > 0 ? new MetricSelection(config.select, produced) : undefined;
    return map((batch: Batch) => {
      if (selection && !(batch.selection instanceof OverflowSelection)) batch.selection = selection;
      if (batch.kind === 'spans' && (spanActions.length > 0 || !resources.empty)) {
        for (const span of batch.items) {
          for (const act of spanActions) act(span);
          if (!resources.empty) span.service = resources.derive(span.service);
        }
      }
      return batch;
    });
  },
};

export default attributesProcessorFactory;

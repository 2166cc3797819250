export { TraceJoiner, type JoinerOptions } from './joiner.js';
export { Pending, type LinkKind } from './pending.js';
export { applyParent } from './context.js';
export { tupleKey, mirroredKey } from './tuple.js';
export { joinerOperator, leftBatch } from './operator.js';

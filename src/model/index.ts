export * from './service.js';
export * from './span.js';
export * from './flow.js';
export * from './measurement.js';
export * from './batch.js';
export * from './attribute-selection.js';
export * from './metrics.js';
export * from './span-attributes.js';

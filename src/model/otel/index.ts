export * from './readable-span.js';
export * from './resource.js';
export * from './time.js';
export * from './version.js';

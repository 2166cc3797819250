/** What every database/broker parser shares: the operation an exchange yields, the parser contract, helpers. */
export { operation, type WireExchange, type WireOperation, type WireParser, type WireSystem } from './operation.js';
export { BoundedMap } from './bounded-map.js';
export { cString, indexOfByte, isPrintable } from './text.js';
export { wireSpan, type WireSpanOptions } from './span.js';

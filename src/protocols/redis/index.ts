/** The Redis RESP2/RESP3 parser: pipelined commands paired with their replies in order. */
export { redisParser, type RedisState } from './parser.js';
export { valueEnd, readCommand } from './resp.js';

/** The memcached text protocol parser: commands paired with their replies in order. */
export { memcachedParser } from './parser.js';

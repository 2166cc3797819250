// Run by `npm start` (test/npm-start.test.ts): the agent's real signal handling (dist/src/agent.js) around a stop
// that takes 60 s, so that every signal arrives while stopping. Prints "signal N" for each signal it handled.
import { installSignalHandlers } from '../../../dist/src/agent.js';
import { createLogger } from '../../../dist/src/telemetry/pino-logger.js';

installSignalHandlers({ stop: () => new Promise((r) => setTimeout(r, 60_000)) }, createLogger());
let n = 0;
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => console.log(`signal ${++n}`)); // after the agent's handler
setInterval(() => {}, 1000);
console.log('ready');

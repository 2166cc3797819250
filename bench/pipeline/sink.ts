import { OtlpCollector } from '../../test/support/otlp-collector.js';

/**
 * The benchmark's OTLP collector (own process, own core): acks each request once received, then decodes it with
 * the real protos and counts spans (a production collector acks fast; this decoder must not set the pace).
 */
const port = Number(process.argv[2]);
const c = new OtlpCollector({ httpPort: port, grpcPort: port + 1, retain: false, ackBeforeDecode: true });
await c.start();
process.stdout.write('ready\n');
process.stdin.on('data', () => void c.decoded().then(() => process.stdout.write(`${JSON.stringify(c.counts)}\n`)));
process.stdin.on('end', () => void c.stop().then(() => process.exit(0)));

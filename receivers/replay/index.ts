import { accessSync, constants, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Subject } from 'rxjs';
import type { Batch } from '../../src/model/batch.js';
import type { Receiver, ReceiverFactory } from '../../src/component/index.js';
import { defaultReplayConfig, replaySchema, type ReplayConfig } from './config.js';
import { parseSpanLines } from '../../src/model/span-json-lines.js';
import { Player } from './player.js';
import { LumenError } from '../../src/component/index.js';

/** Lines whose error is logged individually; the rest are summed up in one line. */
const LOGGED_BAD_LINES = 10;

/** Replays spans from a JSON Lines file (what print_traces `format: json` writes): demos, tests, benchmarks. */
export const replayReceiverFactory: ReceiverFactory<ReplayConfig> = {
  type: 'replay',
  kind: 'receiver',
  signals: ['traces', 'metrics'],
  schema: replaySchema,
  defaultConfig: defaultReplayConfig,
  create(config, ctx): Receiver {
    checkReadable(config.path);
    const output = new Subject<Batch>();
    const invalidLines = ctx.telemetry.counter('lumen_replay_invalid_lines_total', 'Lines of the replay file that are not valid spans (skipped).');
    const passes = ctx.telemetry.counter('lumen_replay_passes_total', 'Completed passes over the replay file.');
    let player: Player | undefined;
    let stopped = false;
    return {
      output: output.asObservable(),
      async start() {
        if (player || stopped) return;
        const text = await readFile(config.path, 'utf8');
        if (stopped) return;
        const { spans, invalid } = parseSpanLines(text);
        invalidLines.add(invalid.length);
        for (const bad of invalid.slice(0, LOGGED_BAD_LINES)) ctx.logger.warn(`${config.path}:${bad.line}: ${bad.message}, line skipped`);
        if (invalid.length > LOGGED_BAD_LINES) ctx.logger.warn(`${config.path}: ${invalid.length - LOGGED_BAD_LINES} more invalid lines skipped`);
        if (spans.length === 0) ctx.logger.warn(`${config.path}: no valid span to replay`);
        ctx.logger.info('replaying spans', { path: config.path, spans: spans.length, pace: config.pace, loop: config.loop });
        player = new Player(
          spans,
          config,
          (b) => output.next(b),
          () => {
            ctx.logger.info('replay finished', { path: config.path, passes: player?.completedPasses ?? 0 });
            output.complete();
          },
          () => passes.add(),
        );
        player.start();
      },
      async shutdown() {
        stopped = true;
        player?.stop();
        output.complete();
      },
    };
  },
};

function checkReadable(path: string): void {
  try {
    accessSync(path, constants.R_OK);
    if (!statSync(path).isFile()) throw Object.assign(new Error(''), { code: 'EISDIR' });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'not a regular file' : (e as Error).message;
    throw new LumenError('LUMEN_FILE_UNREADABLE', `cannot read ${path}: ${why} (path is relative to the working directory ${process.cwd()})`);
  }
}

// bin/lumen.js with a V8 CPU profile the benchmark starts and stops by signal (SIGUSR2 starts, the next SIGUSR2
// writes $LUMEN_CPU_PROFILE). `node --cpu-prof` cannot be used on the agent: its sampling signal (SIGPROF every
// millisecond) interrupts the kernel's BPF verifier, which then fails the program load with EAGAIN.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { pathToFileURL } from 'node:url';

const session = new Session();
session.connect();
let running = false;
process.on('SIGUSR2', () => {
  if (!running) {
    running = true;
    // Sampling interval ($LUMEN_CPU_PROFILE_INTERVAL_US, run.ts --cpu-prof-interval): V8's 1 ms default gives only a
    // few hundred samples of an agent that is idle between ring batches.
    const interval = Number(process.env.LUMEN_CPU_PROFILE_INTERVAL_US ?? 1000);
    session.post('Profiler.enable', () => session.post('Profiler.setSamplingInterval', { interval }, () => session.post('Profiler.start')));
    return;
  }
  session.post('Profiler.stop', (err, res) => {
    try {
      if (err) throw err;
      writeFileSync(process.env.LUMEN_CPU_PROFILE, JSON.stringify(res.profile));
      process.stderr.write(`cpu profile written to ${process.env.LUMEN_CPU_PROFILE}\n`);
    } catch (e) {
      process.stderr.write(`cpu profile NOT written: ${e}\n`); // the agent goes on; the benchmark reports the missing file
    }
  });
});
// The per-file build (not the bundle: the profile summary names components by file path), of this checkout or of the
// one whose bin/lumen.js is $LUMEN_PROFILED_CLI (run.ts --cli).
const cli = process.env.LUMEN_PROFILED_CLI ? pathToFileURL(process.env.LUMEN_PROFILED_CLI) : new URL('../../bin/lumen.js', import.meta.url);
const { main } = await import(new URL('../dist/distribution/cli/main.js', cli).href);
process.exitCode = await main(process.argv);

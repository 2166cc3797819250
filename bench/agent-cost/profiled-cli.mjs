// bin/lumen.js with a V8 CPU profile the benchmark starts and stops by signal (SIGUSR2 starts, the next SIGUSR2
// writes $LUMEN_CPU_PROFILE). `node --cpu-prof` cannot be used on the agent: its sampling signal (SIGPROF every
// millisecond) interrupts the kernel's BPF verifier, which then fails the program load with EAGAIN.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { main } from '../../dist/distribution/cli/main.js';

const session = new Session();
session.connect();
let running = false;
process.on('SIGUSR2', () => {
  if (!running) {
    running = true;
    session.post('Profiler.enable', () => session.post('Profiler.start'));
    return;
  }
  session.post('Profiler.stop', (err, res) => {
    if (!err) writeFileSync(process.env.LUMEN_CPU_PROFILE, JSON.stringify(res.profile));
    process.stderr.write(`cpu profile written ${err ?? ''}\n`);
  });
});
process.exitCode = await main(process.argv);

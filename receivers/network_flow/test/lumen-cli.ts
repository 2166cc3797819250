/** The `lumen` command from sources (bin/lumen.js runs the compiled dist/): `node --import tsx lumen-cli.ts run -c FILE`. */
import { main } from '../../../distribution/cli/main.js';

process.exitCode = await main(process.argv);

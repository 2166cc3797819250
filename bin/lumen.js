#!/usr/bin/env node
// The `lumen` command: runs the compiled CLI (npm run build / scripts/setup.sh produce dist/).
import { main } from '../dist/distribution/cli/main.js';

process.exitCode = await main(process.argv);

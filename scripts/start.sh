#!/usr/bin/env bash
# `npm start`: set up what the agent needs (scripts/setup.sh), then *become* the agent. The final `exec` matters:
# npm forwards SIGINT/SIGTERM to its child, so that child must be node itself, not a shell waiting for it.
# LUMEN_SKIP_SETUP=1 skips the setup (already done); arguments go to `lumen run` (e.g. -c FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${LUMEN_SKIP_SETUP:-}" != 1 ]]; then bash scripts/setup.sh; fi
# --max-semi-space-size=8 (MiB; V8's default is 16): a smaller young generation, ~15-20 MiB less agent RSS under
# load at no measured CPU cost per span (bench/README.md, footprint). V8 reads it only at start, hence here.
exec node --max-semi-space-size=8 bin/lumen.js run "$@"

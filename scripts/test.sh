#!/usr/bin/env bash
# The test command (README, .ci/run): set up and build, then run every *.test.ts with node's test runner.
# Real BPF tests need root; they load real programs into this kernel and drive real servers.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests
mapfile -t files < <(find src distribution receivers processors exporters test -name '*.test.ts' -not -path '*/node_modules/*' | sort)
if ((${#files[@]} == 0)); then echo "no test files found" >&2; exit 1; fi
# One file at a time: kernel tests share the kernel, ports and tracepoints.
exec node --import tsx --test --test-concurrency=1 --test-timeout=300000 --test-reporter=spec "${files[@]}" "$@"

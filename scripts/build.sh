#!/usr/bin/env bash
# Builds the BPF objects, the native addon and the TypeScript. Needs the packages of scripts/apt-agent.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -f /usr/include/node/node_api.h ]]; then export npm_config_nodedir=/usr; fi
if [[ -f bpf/Makefile ]]; then make -s -C bpf; fi
if [[ -f binding.gyp ]]; then
  # Rebuild only when a native source changed.
  if [[ ! -f build/Release/lumen_bpf.node ]] || [[ -n "$(find native binding.gyp -newer build/Release/lumen_bpf.node 2>/dev/null | head -1)" ]]; then
    # configure + build, never `rebuild`: node-gyp's clean step deletes build/, which also holds build/bpf/.
    npx --no-install node-gyp configure build >/dev/null
  fi
fi
npx --no-install tsc -p tsconfig.json
# The CLI as a bundle for start-up time (scripts/bundle.mjs says why).
node scripts/bundle.mjs

#!/usr/bin/env bash
# Installs what Lumen needs on a Debian 12 machine (run as root) and builds it: apt packages, npm dependencies,
# the native libbpf addon, the BPF objects and the TypeScript.
#   bash scripts/setup.sh           what building and running the agent needs (scripts/apt-agent.txt)
#   bash scripts/setup.sh --tests   that, plus the programs the tests drive (scripts/apt-test.txt)
# Quiet unless a step fails: the tools' output goes to build/setup.log, printed (with its path) on failure.
# Idempotent: a second run only rebuilds.
set -euo pipefail
cd "$(dirname "$0")/.."

lists=(scripts/apt-agent.txt)
case "${1:-}" in
  '') ;;
  --tests) lists+=(scripts/apt-test.txt) ;;
  *) echo "usage: bash scripts/setup.sh [--tests]" >&2; exit 2 ;;
esac

say() { printf '[setup] %s\n' "$*" >&2; }

mkdir -p build
LOG="$PWD/build/setup.log"
: >"$LOG"
# Runs a step with its output in the log; on failure shows the log and where it is, and stops.
quiet() { # what command…
  local what="$1"; shift
  printf '\n== %s: %s\n' "$what" "$*" >>"$LOG"
  if ! "$@" >>"$LOG" 2>&1; then
    cat "$LOG" >&2
    say "$what failed; the output above is in $LOG"
    exit 1
  fi
}

missing=()
while read -r pkg; do
  [[ -z "$pkg" || "$pkg" == \#* ]] && continue
  if [[ "$pkg" == *:* ]]; then # command:package — the package only when the command is missing
    command -v "${pkg%%:*}" >/dev/null && continue
    pkg=${pkg#*:}
  fi
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done < <(cat "${lists[@]}")

if ((${#missing[@]})); then
  if [[ $EUID -ne 0 ]]; then
    say "missing Debian packages: ${missing[*]}"
    say "run this script as root (it installs them with apt-get), or install them yourself"
    exit 1
  fi
  say "installing: ${missing[*]}"
  quiet "apt-get update" apt-get update -qq
  # RUNLEVEL=1: never start the services these packages ship (nginx, prometheus); tests start their own.
  quiet "apt-get install" env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 \
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

bash scripts/mounts.sh || true

# Node's own headers ship with the distro's node; build the addon against them (no download).
if [[ -f /usr/include/node/node_api.h ]]; then export npm_config_nodedir=/usr; fi

if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  say "installing npm dependencies"
  quiet "npm ci" npm ci --ignore-scripts --no-audit --no-fund
fi

quiet "build (scripts/build.sh)" bash scripts/build.sh

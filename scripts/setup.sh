#!/usr/bin/env bash
# Installs everything Lumen needs on a Debian 12 machine (run as root) and builds it:
# apt packages, npm dependencies, the native libbpf addon, the BPF objects and the TypeScript.
# Idempotent: a second run only rebuilds.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*" >&2; }

missing=()
while read -r pkg; do
  [[ -z "$pkg" || "$pkg" == \#* ]] && continue
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done < scripts/apt-packages.txt

if ((${#missing[@]})); then
  if [[ $EUID -ne 0 ]]; then
    say "missing Debian packages: ${missing[*]}"
    say "run this script as root (it installs them with apt-get), or install them yourself"
    exit 1
  fi
  say "installing: ${missing[*]}"
  apt-get update -qq
  # policy-rc.d-style: never start the services these packages ship (nginx, prometheus); tests start their own.
  DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

bash scripts/mounts.sh || true

# Node's own headers ship with the distro's node; build the addon against them (no download).
if [[ -f /usr/include/node/node_api.h ]]; then export npm_config_nodedir=/usr; fi

if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  say "installing npm dependencies"
  npm ci --ignore-scripts --no-audit --no-fund >/dev/null
fi

bash scripts/build.sh

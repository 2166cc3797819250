#!/usr/bin/env bash
# Makes the Dockerfile's base image, debian:bookworm-slim, from Debian's own packages with mmdebstrap, and imports
# it into podman/buildah's local store under that name. For machines that cannot pull from a container registry
# (this project's CI): only the base image's *source* changes — everything after FROM is the Dockerfile's own.
#   bash deploy/container/debian-base.sh            # no-op when the image is already in the local store
#   bash deploy/container/debian-base.sh --force    # rebuild it
# Needs root, mmdebstrap and podman (scripts/apt-test.txt). The mirror is the one this host's apt uses.
set -euo pipefail
NAME=debian:bookworm-slim
if [[ "${1:-}" != --force ]] && podman image exists "$NAME"; then exit 0; fi
mirror=$(awk '/^URIs:/ && $2 ~ /\/debian\/?$/ {print $2; exit} /^deb / && $3 == "bookworm" {print $2; exit}' \
  /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}
security=${mirror%/debian*}/debian-security
tar=$(mktemp --suffix=.tar)
trap 'rm -f "$tar"' EXIT
# minbase: essential packages + apt, like the official slim image (which also drops docs and locales).
mmdebstrap --quiet --variant=minbase --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
  bookworm "$tar" "deb $mirror bookworm main" "deb $mirror bookworm-updates main" "deb $security bookworm-security main"
podman import --quiet --change 'CMD ["bash"]' "$tar" "$NAME" >/dev/null
echo "[debian-base] imported $NAME from mmdebstrap ($mirror)" >&2

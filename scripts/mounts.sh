#!/usr/bin/env bash
# Mounts the pseudo file systems BPF work needs, when missing and when root.
set -u
mounted() { awk -v m="$1" '$2==m {f=1} END {exit !f}' /proc/mounts; }
try_mount() { # type target
  mounted "$2" && return 0
  if [[ $EUID -ne 0 ]]; then echo "[setup] $2 is not mounted ($1); mount it as root" >&2; return 1; fi
  mkdir -p "$2" && mount -t "$1" "$1" "$2" && echo "[setup] mounted $1 on $2" >&2
}
try_mount bpf /sys/fs/bpf
try_mount tracefs /sys/kernel/tracing
try_mount debugfs /sys/kernel/debug

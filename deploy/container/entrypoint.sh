#!/bin/sh
# The image's entrypoint: `lumen ARGS` (default `run`). Lumen reads ./pipelines.yaml when it exists, so the working
# directory decides between the two ways of configuring it:
#  - BEYLA_* or OTEL_EBPF_* variables present: Beyla's file-less mode — an empty working directory, so the
#    variables alone configure Lumen (as they configure Beyla's image);
#  - otherwise /opt/lumen, whose pipelines.yaml is the image's default configuration.
# -c FILE, LUMEN_CONFIG, BEYLA_CONFIG_PATH and OTEL_EBPF_CONFIG_PATH name a file either way.
if env | grep -qE '^(BEYLA|OTEL_EBPF)_'; then cd /var/lib/lumen; else cd /opt/lumen; fi
# --max-semi-space-size=8: as scripts/start.sh (less RSS under load; V8 reads it only at start).
exec node --max-semi-space-size=8 /opt/lumen/bin/lumen.js "$@"

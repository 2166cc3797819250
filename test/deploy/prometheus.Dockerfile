# A stand-in for the prom/prometheus image, for machines that cannot pull one (this project's CI): Debian's own
# prometheus package on the same debian:bookworm-slim base (deploy/container/debian-base.sh). The entrypoint is
# the prometheus binary, as in the upstream image, so docker-compose.minimal.yml's `command:` works with both.
FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /prometheus
ENTRYPOINT ["/usr/bin/prometheus"]

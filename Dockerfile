# Lumen in a container: Debian 12 (bookworm) with Node.js 20, everything built inside the image.
#
#   docker build -t lumen .
#   docker run --rm --privileged --pid=host --network=host \
#     -v /sys/kernel/debug:/sys/kernel/debug -v /sys/fs/bpf:/sys/fs/bpf lumen
#
# The agent needs the host's PID namespace (to see the processes it instruments), BPF privileges and the host
# network for its Prometheus endpoint (0.0.0.0:9400 here). Mount your own configuration over
# /opt/lumen/pipelines.yaml, or pass `run -c /path/in/container.yaml`.
# Building reads the build host's /sys/kernel/btf/vmlinux to generate vmlinux.h; the probes are CO-RE, so the
# image runs on any kernel with BTF.

FROM node:20-bookworm-slim AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      clang llvm libbpf-dev libelf-dev zlib1g-dev pkg-config bpftool make g++ python3 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/lumen
# Dependencies first (cached while only sources change); no lifecycle scripts until the sources are there.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
# BPF objects (build/bpf/*.bpf.o), the libbpf addon against the image's Node headers, then the TypeScript.
RUN make -s -C bpf \
 && npm_config_nodedir=/usr/local npx --no-install node-gyp rebuild \
 && npx --no-install tsc -p tsconfig.json \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libbpf1 libelf1 zlib1g iproute2 procps \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/lumen
COPY --from=build /opt/lumen/package.json ./
COPY --from=build /opt/lumen/node_modules ./node_modules
COPY --from=build /opt/lumen/dist ./dist
COPY --from=build /opt/lumen/bin ./bin
COPY --from=build /opt/lumen/build/bpf/*.bpf.o ./build/bpf/
COPY --from=build /opt/lumen/build/Release/lumen_bpf.node ./build/Release/
COPY --from=build /opt/lumen/pipelines.yaml ./
# Inside a container the metrics endpoint must listen beyond loopback.
ENV LUMEN_PROMETHEUS_ENDPOINT=0.0.0.0:9400 \
    NODE_ENV=production
EXPOSE 9400
ENTRYPOINT ["node", "/opt/lumen/bin/lumen.js"]
CMD ["run"]

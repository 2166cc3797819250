# Lumen in a container: Debian 12 (bookworm), Node.js 20, everything built inside the image.
#
#   podman build -t lumen .        (or docker build; see docs/deployment/container.md)
#   podman run -d --name lumen --privileged --pid=host --network=host -v /sys/fs/bpf:/sys/fs/bpf lumen
#
# The agent needs the host's PID namespace (to see the processes it instruments), BPF privileges (--privileged,
# or the capability list of docs/deployment/capabilities.md) and the host network for its Prometheus endpoint
# (0.0.0.0:9400 in the image). Mount your own configuration over /opt/lumen/pipelines.yaml, pass
# `run -c /path/in/container.yaml`, or configure it the Beyla way with BEYLA_*/OTEL_* variables alone.
# Building reads the build host's /sys/kernel/btf/vmlinux to generate vmlinux.h; the probes are CO-RE, so the
# image runs on any kernel with BTF.
#
# Only two sources are used: Debian's packages (apt) and the npm registry. Node.js itself comes from the npm
# registry's node-linux-<arch> package (the official release binaries), checked against a pinned SHA-512, so
# the image builds wherever Debian and npm are reachable.
# Behind a TLS-intercepting proxy, hand the build its CA bundle (the tools' own variables, set only while building):
#   podman build -v /etc/ssl/certs/ca-certificates.crt:/run/host-ca.crt:ro \
#     --build-arg CURL_CA_BUNDLE=/run/host-ca.crt --build-arg NODE_EXTRA_CA_CERTS=/run/host-ca.crt -t lumen .

ARG NODE_VERSION=20.20.2
ARG NPM_VERSION=10.8.2

# --- Node.js and npm, unpacked into /usr/local as in the official node images ------------------------------
FROM debian:bookworm-slim AS node
ARG NODE_VERSION
ARG NPM_VERSION
ARG TARGETARCH
ARG CURL_CA_BUNDLE
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*
RUN set -eu; \
    case "${TARGETARCH:-$(dpkg --print-architecture)}" in \
      amd64) arch=x64;   sum=3de1d033cc007661ed640d66068732819c6ce4b8945adb097b3413901774898f7cecaa46ac3d4edad544c9dbcc662b9771e45a9f1b7bae34e70c407038fba3a1 ;; \
      arm64) arch=arm64; sum=2c25c99cd4c58b21ae601c36819488e4e04531b92300fb7cb2a0ff34aad6a04d90983812b9b4ea16783a19a349f4427c1e9c413067165a96db72ce15a3e0a71a ;; \
      *) echo "no Node.js build pinned for $(dpkg --print-architecture)" >&2; exit 1 ;; \
    esac; \
    curl -fsSLo /tmp/node.tgz "https://registry.npmjs.org/node-linux-${arch}/-/node-linux-${arch}-${NODE_VERSION}.tgz"; \
    echo "$sum  /tmp/node.tgz" | sha512sum -c --quiet; \
    tar -xzf /tmp/node.tgz -C /usr/local --strip-components=1 package/bin/node package/include; \
    curl -fsSLo /tmp/npm.tgz "https://registry.npmjs.org/npm/-/npm-${NPM_VERSION}.tgz"; \
    echo "c7f0088c520a46596b85c6f8f1da943400199748a0f7ea8cb8df75469668dc26f6fb3ba26df87e2884a5ebe91557292d0f3db7d0929cdb4f14910c3032ac81fb  /tmp/npm.tgz" | sha512sum -c --quiet; \
    mkdir -p /usr/local/lib/node_modules/npm; \
    tar -xzf /tmp/npm.tgz -C /usr/local/lib/node_modules/npm --strip-components=1; \
    ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm; \
    ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx; \
    rm /tmp/node.tgz /tmp/npm.tgz; \
    node --version && npm --version

# --- build: BPF objects, the libbpf addon, the TypeScript ---------------------------------------------------
FROM debian:bookworm-slim AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      clang llvm libbpf-dev libelf-dev zlib1g-dev pkg-config bpftool make g++ python3 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=node /usr/local/ /usr/local/
ARG NODE_EXTRA_CA_CERTS
WORKDIR /opt/lumen
# Each step copies only what it reads, so a change to the TypeScript rebuilds neither the dependencies, the BPF
# objects nor the addon. No lifecycle scripts at `npm ci`: the addon is built explicitly below.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY bpf ./bpf
RUN make -s -C bpf
# `configure build`, never `rebuild`: node-gyp's clean step deletes build/, which holds the BPF objects above.
# Node's headers are those of the unpacked release (/usr/local/include/node); nothing is downloaded.
COPY binding.gyp ./
COPY native ./native
RUN npm_config_nodedir=/usr/local npx --no-install node-gyp configure build >/dev/null \
 && test -f build/Release/lumen_bpf.node && ls build/bpf/*.bpf.o >/dev/null
COPY . .
RUN npx --no-install tsc -p tsconfig.json \
 && node scripts/bundle.mjs \
 && npm prune --omit=dev --no-audit --no-fund

# --- runtime: the agent, its BPF objects, libbpf -----------------------------------------------------------
FROM debian:bookworm-slim
ARG NODE_VERSION
# iproute2: `lumen doctor` probes TC on a throw-away veth pair with `ip`.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libbpf1 libelf1 zlib1g iproute2 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=node /usr/local/bin/node /usr/local/bin/node
WORKDIR /opt/lumen
COPY --from=build /opt/lumen/package.json ./
COPY --from=build /opt/lumen/node_modules ./node_modules
COPY --from=build /opt/lumen/dist ./dist
COPY --from=build /opt/lumen/bin ./bin
COPY --from=build /opt/lumen/build/bpf/*.bpf.o ./build/bpf/
COPY --from=build /opt/lumen/build/Release/lumen_bpf.node ./build/Release/
COPY --from=build /opt/lumen/pipelines.yaml ./
COPY deploy/container/entrypoint.sh /usr/local/bin/lumen-entrypoint
RUN ln -s /opt/lumen/bin/lumen.js /usr/local/bin/lumen && mkdir -p /var/lib/lumen
# Inside a container the metrics endpoint must listen beyond loopback.
ENV LUMEN_PROMETHEUS_ENDPOINT=0.0.0.0:9400 \
    NODE_ENV=production
EXPOSE 9400
# Healthy while the Prometheus endpoint answers (the endpoint is the configured one; 9400 by default).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const e=(process.env.LUMEN_PROMETHEUS_ENDPOINT||'127.0.0.1:9400').replace(/^0\\.0\\.0\\.0:/,'127.0.0.1:');fetch('http://'+e+'/metrics').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="lumen" \
      org.opencontainers.image.description="Zero-code eBPF observability agent: OpenTelemetry traces, RED metrics and network flows without kprobes" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="debian:bookworm-slim"
# `lumen ARGS`; with BEYLA_*/OTEL_EBPF_* variables they alone configure it (deploy/container/entrypoint.sh).
ENTRYPOINT ["/usr/local/bin/lumen-entrypoint"]
CMD ["run"]

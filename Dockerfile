# brisk daemon image: Debian bookworm, non-root, config in /etc/brisk.
#
#   docker build -t brisk .                    (podman: podman build --format docker ...,
#                                               or the OCI format drops HEALTHCHECK)
#   docker run --rm -p 8080:8080 --stop-timeout 25 brisk
#   docker run ... -e BRISK_SERVER_DEMO=true brisk              (the demo routes)
#   docker run ... -e BRISK_SERVER_LISTEN=0.0.0.0:9000 brisk    (any BRISK_<SECTION>_<KEY>)
#   docker run ... -v ./my.toml:/etc/brisk/brisk.toml:ro brisk
#
# Stopping: SIGTERM makes brisk drain: /healthz turns 503 and it keeps
# serving for timeouts.drain_delay_ms (7 s), so a load balancer sees it go,
# then it stops accepting and gives requests in flight up to
# timeouts.shutdown_ms (10 s), then exits 0 (3 if it had to cancel some).
# docker stop's default grace is 10 s: give it more than the 17 s
# (--stop-timeout, compose's stop_grace_period, a pod's
# terminationGracePeriodSeconds) so a full drain never ends in SIGKILL.
#
# The health check reads the port from BRISK_SERVER_LISTEN (8080 otherwise)
# and the path from BRISK_HEALTH_PATH (/healthz otherwise); a port set only
# in a mounted config file needs the same port in BRISK_SERVER_LISTEN or its
# own --health-cmd. It uses bash's /dev/tcp: the image has no curl.
#
# scripts/docker-check.sh builds and runs this file with rootful podman.

FROM debian:bookworm AS build
WORKDIR /src
# Dependencies first, in a layer of their own: source edits don't redo them.
COPY scripts/install-deps.sh scripts/
RUN bash scripts/install-deps.sh && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DBRISK_BUILD_TESTS=OFF -DBRISK_BUILD_BENCH=OFF \
 && cmake --build /build --target brisk -j "$(nproc)"
# Stage exactly what the runtime image gets under /out: the daemon (not the
# plugin SDK, which is for building plugins) and the shipped configuration.
# strip keeps the symbols the daemon exports to plugins.
RUN cmake --install /build --component daemon --prefix /out/usr/local \
 && strip /out/usr/local/bin/brisk \
 && install -D -m 0644 config/brisk.toml /out/etc/brisk/brisk.toml

# The plugin SDK of this very build, for images that add plugins to this one
# (plugins/hello/Dockerfile): docker build --target sdk -t brisk-sdk .
# Unused by the default target, so a plain build skips it.
FROM build AS sdk
RUN cmake --install /build --component sdk --prefix /usr/local

FROM debian:bookworm AS runtime
COPY scripts/install-deps.sh /tmp/install-deps.sh
# No apt lists, package files or package caches in the image: about 80 MB
# that a base image made without the official image's apt settings keeps.
RUN bash /tmp/install-deps.sh --runtime-only \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/cache/debconf/*-old /var/log/apt /var/log/dpkg.log \
      /tmp/install-deps.sh \
 && useradd --system --user-group --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin brisk
COPY --from=build /out/ /
# Fail the build here, not at first start, if a shared library is missing.
RUN if ldd /usr/local/bin/brisk | grep 'not found'; then \
      echo 'brisk needs the libraries above: add their packages to install-deps.sh --runtime-only' >&2; \
      exit 1; \
    fi \
 && brisk --config /etc/brisk/brisk.toml --check-config >/dev/null

# The demo routes (/sleep, /blocking, /fail, ...) are not for production:
# off in the image, one variable away (-e BRISK_SERVER_DEMO=true).
ENV BRISK_SERVER_DEMO=false
USER brisk
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["bash", "-c", "listen=${BRISK_SERVER_LISTEN:-:8080}; exec 3<>/dev/tcp/127.0.0.1/${listen##*:} && printf 'GET %s HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' \"${BRISK_HEALTH_PATH:-/healthz}\" >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["brisk"]
CMD ["--config", "/etc/brisk/brisk.toml"]

#!/usr/bin/env bash
# Builds the Dockerfile with rootful podman and checks the image end to end:
# the container answers GET /healthz 200 on 127.0.0.1 (and /plaintext 404:
# the image has the demo routes off; a run with BRISK_SERVER_DEMO=true has
# them, checked with the plugin image below), its
# HEALTHCHECK passes, brisk runs as the non-root user `brisk`, and `podman
# stop` (SIGTERM) ends it with exit status 0 within the drain window. Then
# plugins/hello/Dockerfile adds the hello plugin, built in the Dockerfile's
# sdk stage, to that image, and the plugin answers in a container.
# No Docker daemon and no registry: the base image is debootstrap'ed from the
# mirror apt already uses and imported as docker.io/library/debian:bookworm
# (see shared/CONTAINERS.md for why each setting below is needed here).
# Installs what it needs (podman, runc, debootstrap, curl) if missing; a
# second run reuses the base image and the cached layers.
# Not part of CI: several minutes from nothing (the build stage installs the
# toolchain and compiles brisk).
#   usage: scripts/docker-check.sh          (as root)
#   environment: WORK (default /tmp/brisk-docker-check), TAG (localhost/brisk:check)
set -euo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
WORK=${WORK:-/tmp/brisk-docker-check}
TAG=${TAG:-localhost/brisk:check}
BASE=debian:bookworm                     # what the Dockerfile's FROM lines say
DELAY_S=7                                # timeouts.drain_delay_ms of config/brisk.toml
DRAIN_S=17                               # and timeouts.shutdown_ms after it
name="brisk-check-$$"

say() { printf 'docker-check: %s\n' "$*" >&2; }
fail() { say "FAILED: $*"; exit 1; }

[[ $(id -u) -eq 0 ]] || fail "needs root (rootful podman)"
mkdir -p "$WORK"
export DEBIAN_FRONTEND=noninteractive

# 1. Packages, only those missing.
missing=()
for p in podman runc debootstrap curl python3; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  say "installing ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq -o DPkg::Lock::Timeout=300 "${missing[@]}" >/dev/null
fi

# 2. containers.conf: runc (crun rejects this machine's hybrid cgroups),
#    rlimits within our hard limits (no CAP_SYS_RESOURCE), host network.
nofile=$(ulimit -Hn) nproc=$(ulimit -Hu) pidmax=$(cat /proc/sys/kernel/pid_max)
[[ $nofile == unlimited ]] && nofile=1048576
if [[ $nproc == unlimited ]] || ((nproc > pidmax)); then nproc=$pidmax; fi
cat >"$WORK/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
netns = "host"
[engine]
runtime = "runc"
EOF
export CONTAINERS_CONF="$WORK/containers.conf"

# 3. Base image from the host's own mirror, under the name FROM resolves to.
if ! podman image exists "docker.io/library/$BASE"; then
  say "making the $BASE base image with debootstrap"
  mirror=$(awk '$1=="URIs:"{print $2; exit}' /etc/apt/sources.list.d/debian.sources)
  rm -rf "$WORK/rootfs"
  debootstrap --variant=minbase bookworm "$WORK/rootfs" "$mirror" >"$WORK/debootstrap.log"
  chroot "$WORK/rootfs" apt-get clean
  rm -rf "$WORK/rootfs/var/lib/apt/lists/"* "$WORK/rootfs/etc/apt/sources.list"
  cp /etc/apt/sources.list.d/debian.sources "$WORK/rootfs/etc/apt/sources.list.d/"
  tar --numeric-owner -C "$WORK/rootfs" -c . |
    podman import --change 'CMD ["/bin/bash"]' - "docker.io/library/$BASE" >/dev/null
  rm -rf "$WORK/rootfs"
fi

# 4. Build. --format docker: the OCI format has no HEALTHCHECK.
say "building $TAG"
build_start=$(date +%s)
podman build --pull=never --format docker -t "$TAG" . >"$WORK/build.log" 2>&1 ||
  { tail -n 40 "$WORK/build.log" >&2; fail "podman build (whole log: $WORK/build.log)"; }
say "built in $(($(date +%s) - build_start)) s; image $(podman image inspect --format '{{.Size}}' "$TAG" |
  awk '{printf "%.0f MB", $1 / 1e6}')"

# 5. Run on 8080 as configured, or on a free port if 8080 is taken.
port=8080
env_args=()
port_free() { python3 -c 'import socket,sys; s=socket.socket(); s.bind(("0.0.0.0",int(sys.argv[1])))' "$1" 2>/dev/null; }
if ! port_free "$port"; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("0.0.0.0",0)); print(s.getsockname()[1])')
  env_args=(-e "BRISK_SERVER_LISTEN=0.0.0.0:$port")
  say "8080 is taken: listening on $port instead"
fi
cleanup() { podman rm -f -t 0 "$name" >/dev/null 2>&1 || true; }
trap cleanup EXIT
# No --init: brisk is PID 1 and must handle SIGTERM itself.
podman run -d --name "$name" "${env_args[@]}" "$TAG" >/dev/null

status=""
for _ in $(seq 1 100); do
  status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$port/healthz" || true)
  [[ $status == 200 ]] && break
  [[ $(podman inspect --format '{{.State.Running}}' "$name") == true ]] ||
    { podman logs "$name" >&2; fail "the container exited before answering"; }
  sleep 0.2
done
[[ $status == 200 ]] || { podman logs "$name" >&2; fail "GET /healthz gave '$status', not 200, within 20 s"; }
say "GET /healthz 200 on 127.0.0.1:$port"

# The image runs without the demo routes.
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$port/plaintext")
[[ $code == 404 ]] || fail "GET /plaintext gave $code: the demo routes should be off in the image"
podman healthcheck run "$name" >/dev/null || fail "the image's HEALTHCHECK failed"
say "HEALTHCHECK healthy"
user=$(podman top "$name" user | awk 'NR == 2 {print $1}')
[[ $user == brisk ]] || fail "brisk runs as '$user', not as brisk"

# 6. SIGTERM through podman stop; the grace period exceeds the drain window so
#    a SIGKILL would show as a wait past it and a non-zero status.
stop_start=$(date +%s%N)
podman stop -t $((DRAIN_S + 10)) "$name" >/dev/null
stop_ms=$((($(date +%s%N) - stop_start) / 1000000))
code=$(podman inspect --format '{{.State.ExitCode}}' "$name")
podman logs "$name" >"$WORK/container.log" 2>&1 || true
[[ $code == 0 ]] || { tail -n 20 "$WORK/container.log" >&2; fail "exit status $code after SIGTERM"; }
((stop_ms <= DRAIN_S * 1000)) || fail "stopping took $stop_ms ms, more than the ${DRAIN_S} s drain window"
((stop_ms >= DELAY_S * 1000)) || fail "stopping took $stop_ms ms: the ${DELAY_S} s drain delay was skipped"
say "SIGTERM: exit 0 after $stop_ms ms (the drain delay, then nothing in flight)"

# 7. A plugin in an image: the hello plugin built in this build's SDK image
#    (the Dockerfile's sdk stage) and added to the image checked above.
say "building ${TAG}-sdk and ${TAG}-hello (plugins/hello/Dockerfile)"
podman build --pull=never --format docker --target sdk -t "${TAG}-sdk" . >"$WORK/build-sdk.log" 2>&1 ||
  { tail -n 40 "$WORK/build-sdk.log" >&2; fail "podman build --target sdk (whole log: $WORK/build-sdk.log)"; }
podman build --pull=never --format docker --build-arg BRISK_IMAGE="$TAG" --build-arg BRISK_SDK_IMAGE="${TAG}-sdk" \
  -t "${TAG}-hello" plugins/hello >"$WORK/build-hello.log" 2>&1 ||
  { tail -n 40 "$WORK/build-hello.log" >&2; fail "podman build plugins/hello (whole log: $WORK/build-hello.log)"; }
cleanup  # the first container, stopped above
podman run -d --name "$name" "${env_args[@]}" -e BRISK_SERVER_DEMO=true "${TAG}-hello" >/dev/null
for _ in $(seq 1 100); do
  body=$(curl -s --max-time 1 "http://127.0.0.1:$port/hello/container" || true)
  [[ -n $body ]] && break
  [[ $(podman inspect --format '{{.State.Running}}' "$name") == true ]] ||
    { podman logs "$name" >&2; fail "the plugin image's container exited before answering"; }
  sleep 0.2
done
[[ $body == "Hello from a plugin, container!" ]] || { podman logs "$name" >&2; fail "GET /hello/container gave '$body'"; }
body=$(curl -s --max-time 2 "http://127.0.0.1:$port/plaintext")
[[ $body == "Hello, World!" ]] || fail "with BRISK_SERVER_DEMO=true, GET /plaintext gave '$body'"
podman stop -t $((DRAIN_S + 10)) "$name" >/dev/null
code=$(podman inspect --format '{{.State.ExitCode}}' "$name")
[[ $code == 0 ]] || fail "the plugin image's container: exit status $code after SIGTERM"
cleanup
say "plugin image: GET /hello/container answered by the hello plugin, the demo on with BRISK_SERVER_DEMO=true, SIGTERM exit 0"

say "OK in $(($(date +%s) - started)) s"

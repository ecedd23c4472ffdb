#!/usr/bin/env bash
# Installs everything brisk needs to build, test and benchmark, from Debian's
# packages only. Idempotent: packages already present are left as they are.
# README, .ci/run and the Dockerfile all call this one script.
#   usage: scripts/install-deps.sh [--runtime-only]
set -euo pipefail

build_packages=(
  build-essential cmake ninja-build pkg-config git
  libuv1-dev node-llhttp nlohmann-json3-dev libtomlplusplus-dev libcli11-dev
  catch2
)
test_packages=(curl python3 python3-uvloop wrk nginx-light haproxy procps)
runtime_packages=(libuv1 libtomlplusplus3 ca-certificates)

if [[ "${1:-}" == "--runtime-only" ]]; then
  wanted=("${runtime_packages[@]}")
else
  wanted=("${build_packages[@]}" "${test_packages[@]}")
fi

missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#wanted[@]} packages present"
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
echo "install-deps: installing ${#missing[@]} package(s): ${missing[*]}"
$sudo apt-get update -qq
# apt's own progress (one line per package), not silence: on a fresh machine
# this is the longest step.
$sudo apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 "${missing[@]}"
echo "install-deps: installed ${missing[*]}"

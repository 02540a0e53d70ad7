#!/bin/bash
# make check-contrib: every recipe of contrib/ checked for real, with a container engine.
#
#   PODPASS_DEB=path/to/podpass_VERSION_ARCH.deb tests/contrib/run.sh [TEST...]
#
# TESTs (default: all, in this order):
#   - shellcheck: shellcheck over contrib's scripts, the shell inside the Dockerfiles, the
#     RunPod start command and the Kubernetes YAML, and these tests (shellcheck.sh)
#   - docker: contrib/docker, both Dockerfiles built by podman, their images checked (files
#     and every layer of podman save), run as docker run does and logged into (docker.sh)
#   - runpod: contrib/runpod/start-command as a RunPod pod's start (runpod.sh)
#   - vastai: contrib/vastai/onstart.sh as a vast.ai instance's on-start (vastai.sh)
#   - kubernetes: contrib/kubernetes by podman kube play (kubernetes.sh)
# All but shellcheck need root and podman (rootful: runc, cgroupfs, a containers.conf and
# a storage of their own, tests/release/containers.sh, removed at exit), catatonit,
# sshpass, strace, python3-yaml, debootstrap's Debian 12 root (tests/distros/mkroot.sh
# bookworm, made once and cached: imported as debian:bookworm-slim, the FROM of the
# Dockerfiles) and the network to Debian's mirror (the Dockerfiles run apt-get). Here,
# before those tests, the base image is imported and contrib/docker/Dockerfile built once
# (CONTRIB_IMAGE for the tests). Every container logs in from this host through its port
# 22 published on 127.0.0.1. CONTRIB_DIR: the contrib/ tree to test (default: the
# checkout's).
# Exit 0: every test passed; 77: skipped for want of root or podman (shellcheck passed);
# anything else: a failure.
set -euo pipefail

here=$(cd "$(dirname -- "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../release/containers.sh
. "$here/../release/containers.sh"
tests=("$@")
[ "${#tests[@]}" -gt 0 ] || tests=(shellcheck docker runpod vastai kubernetes)
failed=()
passed=()
skipped=()
ready=''
tmp=''
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
    [ -z "$tmp" ] || { containers_clean; rm -rf -- "$tmp"; }
}
trap cleanup EXIT

can_run() { [ "$(id -u)" = 0 ] && command -v podman >/dev/null 2>&1; }

# The engine, the base image and the image of contrib/docker/Dockerfile, once.
need_engine() {
    [ -z "$ready" ] || return "$ready"
    ready=1
    local t0=$SECONDS root tool
    for tool in podman catatonit sshpass strace python3 ssh; do
        command -v "$tool" >/dev/null 2>&1 || { echo "check-contrib: $tool not found" >&2; return 1; }
    done
    if [ -z "${PODPASS_DEB:-}" ] || [ ! -f "$PODPASS_DEB" ]; then
        echo "check-contrib: PODPASS_DEB must name a built podpass_*.deb (got '${PODPASS_DEB:-}')" >&2
        return 1
    fi
    PODPASS_DEB=$(readlink -f -- "$PODPASS_DEB")
    export PODPASS_DEB
    root=$("$here/../distros/mkroot.sh" bookworm) || { echo "check-contrib: no Debian 12 root" >&2; return 1; }
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/podpass-contrib.XXXXXX")
    containers_private_net "$tmp/engine"
    export CONTRIB_DIR=${CONTRIB_DIR:-$here/../../contrib}
    if ! "$here/images.sh" "$root" >"$tmp/images.log" 2>&1; then
        tail -n 30 "$tmp/images.log" >&2
        echo "check-contrib: the base image or the image of contrib/docker/Dockerfile did not build (log above)" >&2
        return 1
    fi
    grep "^    " "$tmp/images.log" || true
    echo "== the base image imported, contrib/docker/Dockerfile built in $((SECONDS - t0)) s"
    export CONTRIB_IMAGE=localhost/podpass-test/pod:latest
    ready=0
}

t_all=$SECONDS
for t in "${tests[@]}"; do
    [ -f "$here/$t.sh" ] || { echo "check-contrib: no such test: $t" >&2; exit 2; }
    if [ "$t" != shellcheck ] && ! can_run; then
        echo "SKIP $t: needs root and podman"
        skipped+=("$t")
        continue
    fi
    rc=0
    t0=$SECONDS
    if [ "$t" = shellcheck ]; then
        bash "$here/$t.sh" || rc=$?
    elif need_engine; then
        bash "$here/$t.sh" || rc=$?
    else
        rc=1
    fi
    echo "== $t: exit $rc, $((SECONDS - t0)) s"
    case $rc in
    0) passed+=("$t") ;;
    77) skipped+=("$t") ;;
    *) failed+=("$t") ;;
    esac
done

echo "check-contrib: ${#passed[@]} passed (${passed[*]}), ${#failed[@]} failed${failed[*]:+ (${failed[*]})}, ${#skipped[@]} skipped${skipped[*]:+ (${skipped[*]})}; $((SECONDS - t_all)) s"
[ "${#failed[@]}" = 0 ] || exit 1
[ "${#skipped[@]}" = 0 ] || exit 77
exit 0

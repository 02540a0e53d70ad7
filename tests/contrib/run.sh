#!/bin/bash
# make check-contrib: every recipe of contrib/ checked for real.
#
#   PODPASS_DEB=path/to/podpass_VERSION_ARCH.deb tests/contrib/run.sh [TEST...]
#
# TESTs (default: all, in this order):
#   - shellcheck: shellcheck over contrib's scripts, the shell inside the Dockerfiles, the
#     RunPod start command and the Kubernetes YAML, and these tests (shellcheck.sh)
#   - docker: contrib/docker, both Dockerfiles built (dockerfile.sh, no Docker engine), their
#     images checked, run as containers, logged into (docker.sh)
#   - runpod: contrib/runpod/start-command as a RunPod pod's start (runpod.sh)
#   - vastai: contrib/vastai/onstart.sh as a vast.ai instance's on-start (vastai.sh)
#   - kubernetes: contrib/kubernetes as the kubelet would run it (kubernetes.sh)
# runpod, vastai and kubernetes run in one image of contrib/docker/Dockerfile, built here.
# All but shellcheck need root, unshare, debootstrap's Debian root (tests/distros/mkroot.sh
# bookworm, made once and cached) and the network to Debian's mirror (the Dockerfiles run
# apt-get). CONTRIB_DIR: the contrib/ tree to test (default: the checkout's).
# Exit 0: every test passed; 77: skipped for want of root or unshare (shellcheck passed);
# anything else: a failure.
set -euo pipefail

here=$(cd "$(dirname -- "$0")" && pwd)
tests=("$@")
[ "${#tests[@]}" -gt 0 ] || tests=(shellcheck docker runpod vastai kubernetes)
failed=()
passed=()
skipped=()
image=''
tmp=''
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() { [ -z "$tmp" ] || rm -rf -- "$tmp"; }
trap cleanup EXIT

can_run() { # root and a working unshare
    [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1 &&
        unshare --mount --net --pid --fork --mount-proc --propagation private true >/dev/null 2>&1
}

# The image runpod, vastai and kubernetes run in, built once.
need_image() {
    [ -z "$image" ] || return 0
    if [ -z "${PODPASS_DEB:-}" ] || [ ! -f "$PODPASS_DEB" ]; then
        echo "check-contrib: PODPASS_DEB must name a built podpass_*.deb (got '${PODPASS_DEB:-}')" >&2
        return 1
    fi
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/podpass-contrib.run.XXXXXX")
    mkdir -p "$tmp/context"
    cp -- "${CONTRIB_DIR:-$here/../../contrib}"/docker/* "$tmp/context/"
    chmod 0644 "$tmp/context"/*
    cp -- "$PODPASS_DEB" "$tmp/context/"
    local t0=$SECONDS
    if ! "$here/dockerfile.sh" build -f "$tmp/context/Dockerfile" "$tmp/context" "$tmp/image" >"$tmp/build.log" 2>&1; then
        tail -n 30 "$tmp/build.log" >&2
        echo "check-contrib: the image of contrib/docker/Dockerfile did not build (log above)" >&2
        return 1
    fi
    echo "== built the image of contrib/docker/Dockerfile in $((SECONDS - t0)) s"
    image=$tmp/image
}

t_all=$SECONDS
for t in "${tests[@]}"; do
    [ -f "$here/$t.sh" ] || { echo "check-contrib: no such test: $t" >&2; exit 2; }
    if [ "$t" != shellcheck ] && ! can_run; then
        echo "SKIP $t: needs root and a working unshare"
        skipped+=("$t")
        continue
    fi
    rc=0
    t0=$SECONDS
    case $t in
    shellcheck | docker) bash "$here/$t.sh" || rc=$? ;;
    *)
        if need_image; then
            CONTRIB_IMAGE=$image bash "$here/$t.sh" || rc=$?
        else
            rc=1
        fi
        ;;
    esac
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

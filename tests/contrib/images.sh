#!/bin/bash
# images.sh ROOT: in the engine of the environment (tests/release/containers.sh), the base
# image of contrib/docker's Dockerfiles and the image of contrib/docker/Dockerfile, for
# tests/contrib/run.sh:
#   debian:bookworm-slim   ROOT (tests/distros/mkroot.sh bookworm) imported by podman
#                   import, made to look like Debian's image where it matters: no
#                   openssh-server (the root has it for the tests; the Dockerfiles install
#                   it), no host keys, /usr/sbin/policy-rc.d (no service starts during a
#                   build), CMD bash, Debian's PATH. The extra packages of the root (ssh
#                   client, procps, python3) stay: the tests use them inside. Its short name
#                   resolves to this local image (localhost/debian:bookworm-slim; builds
#                   run with --pull=never, and registries.conf names no registry).
#   localhost/podpass-test/pod   contrib/docker/Dockerfile built by podman build, its
#                   context contrib/docker plus PODPASS_DEB, as its header says.
# CONTRIB_DIR: the contrib/ tree. contrib_context DIR (sourced) makes a build context.

# contrib_context DIR: contrib/docker's files and the package, executable bits dropped (a
# checkout may have lost them: the Dockerfiles must not depend on them).
contrib_context() {
    rm -rf -- "$1"
    mkdir -p -- "$1"
    cp -- "$CONTRIB_DIR"/docker/* "$1/"
    chmod 0644 "$1"/*
    cp -- "$PODPASS_DEB" "$1/"
}
[ "${BASH_SOURCE[0]}" = "$0" ] || return 0
set -euo pipefail

root=${1:?usage: images.sh ROOT}
work=$TMPDIR/images
mkdir -p "$work/base"
tar -C "$root" --exclude=./.podpass-root -c . |
    podman import --change 'CMD ["bash"]' \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        - localhost/podpass-test/bookworm-root >/dev/null
cat >"$work/base/Containerfile" <<'CF'
FROM localhost/podpass-test/bookworm-root
RUN dpkg --purge openssh-server >/dev/null && rm -f /etc/ssh/ssh_host_* \
    && printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 0755 /usr/sbin/policy-rc.d
CF
podman build --pull=never -q -t localhost/debian:bookworm-slim "$work/base" >/dev/null
podman rmi localhost/podpass-test/bookworm-root >/dev/null
[ "$(podman image inspect -f '{{.Id}}' debian:bookworm-slim)" = "$(podman image inspect -f '{{.Id}}' localhost/debian:bookworm-slim)" ] ||
    { echo "images.sh: debian:bookworm-slim is not the imported image" >&2; exit 1; }
echo "    debian:bookworm-slim: the Debian 12 root, imported ($(podman image inspect -f '{{.Id}}' debian:bookworm-slim | cut -c1-12))"
contrib_context "$work/context"
podman build --pull=never -t localhost/podpass-test/pod "$work/context"
echo "    localhost/podpass-test/pod: contrib/docker/Dockerfile built"

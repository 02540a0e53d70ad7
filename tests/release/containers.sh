# shellcheck shell=bash
# Sourced by tests/release/ and tests/contrib/: buildah and podman with a configuration and
# a storage of their own under one directory, never the machine's (rootful, runc, cgroupfs,
# bounded ulimits; vfs storage and no network, or with containers_private_net overlay
# storage and a bridge network of their own).

# Point buildah and podman at DIR's containers.conf and storage (made here): no network.
containers_private() { # DIR
    containers_write "$1" 'netns = "none"' '' vfs
}

# The same, with a network: containers (and build steps) on a CNI bridge network whose
# configuration is DIR's own ("podpass-test", made in memory by podman as its default
# network, 10.89.231.0/24), ports published to the host with -p; and overlay storage (vfs
# copies the whole root for every layer and container: minutes for the many images and
# containers of tests/contrib).
containers_private_net() { # DIR
    containers_write "$1" 'netns = "bridge"' "[network]
network_backend = \"cni\"
network_config_dir = \"$1/net\"
default_network = \"podpass-test\"
default_subnet = \"10.89.231.0/24\"" overlay
    containers_net=podpass-test
}

# containers_write DIR NETNS_LINE NETWORK_SECTION DRIVER: the files, and the environment
# naming them.
containers_write() {
    local dir=$1
    mkdir -p -- "$dir/storage" "$dir/run" "$dir/tmp" "$dir/net"
    cat >"$dir/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
$2
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$dir/events.log"
$3
CONF
    cat >"$dir/storage.conf" <<CONF
[storage]
driver = "$4"
graphroot = "$dir/storage"
runroot = "$dir/run"
CONF
    printf 'unqualified-search-registries = []\n' >"$dir/registries.conf"
    printf '{"default": [{"type": "insecureAcceptAnything"}]}\n' >"$dir/policy.json"
    export CONTAINERS_CONF=$dir/containers.conf CONTAINERS_STORAGE_CONF=$dir/storage.conf
    export CONTAINERS_REGISTRIES_CONF=$dir/registries.conf TMPDIR=$dir/tmp
    containers_dir=$dir
}

# Remove what containers_private made: containers stopped and removed (their network
# torn down), mounts unmounted by podman (nothing on another file system is removed), the
# bridge and leases of containers_private_net's network removed.
containers_clean() {
    [ -n "${containers_dir:-}" ] || return 0
    local br=''
    [ -z "${containers_net:-}" ] || br=$(podman network inspect -f '{{.NetworkInterface}}' "$containers_net" 2>/dev/null || true)
    podman --root "$containers_dir/storage" --runroot "$containers_dir/run" \
        rm --all --force --time 0 >/dev/null 2>&1 || true
    podman --root "$containers_dir/storage" --runroot "$containers_dir/run" \
        system reset --force >/dev/null 2>&1 || true
    rm -rf --one-file-system -- "$containers_dir"
    # CNI's bridge plugin leaves the bridge (deleted here once no container is on it) and
    # its address leases.
    if [ -n "$br" ] && [ -d "/sys/class/net/$br/brif" ] && [ -z "$(ls "/sys/class/net/$br/brif")" ]; then
        ip link delete "$br" || true
    fi
    [ -z "${containers_net:-}" ] || rm -rf -- "/var/lib/cni/networks/$containers_net"
}

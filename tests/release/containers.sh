# shellcheck shell=bash
# Sourced by tests/release/: buildah and podman with a configuration and a storage of
# their own under one directory, never the machine's (rootful, runc, cgroupfs, bounded
# ulimits, vfs storage, no network).

# Point buildah and podman at DIR's containers.conf and storage (made here).
containers_private() { # DIR
    local dir=$1
    mkdir -p -- "$dir/storage" "$dir/run" "$dir/tmp"
    cat >"$dir/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
netns = "none"
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$dir/events.log"
CONF
    cat >"$dir/storage.conf" <<CONF
[storage]
driver = "vfs"
graphroot = "$dir/storage"
runroot = "$dir/run"
CONF
    printf 'unqualified-search-registries = []\n' >"$dir/registries.conf"
    printf '{"default": [{"type": "insecureAcceptAnything"}]}\n' >"$dir/policy.json"
    export CONTAINERS_CONF=$dir/containers.conf CONTAINERS_STORAGE_CONF=$dir/storage.conf
    export CONTAINERS_REGISTRIES_CONF=$dir/registries.conf TMPDIR=$dir/tmp
    containers_dir=$dir
}

# Remove what containers_private made: vfs layers are plain files, mounts are unmounted.
containers_clean() {
    [ -n "${containers_dir:-}" ] || return 0
    podman --root "$containers_dir/storage" --runroot "$containers_dir/run" \
        system reset --force >/dev/null 2>&1 || true
    rm -rf -- "$containers_dir"
}

# shellcheck shell=bash source-path=SCRIPTDIR
# Shared by the scenarios of tests/contrib/: the recipes of contrib/ run for real by a
# container engine (podman, rootful, its configuration and storage private to the run:
# tests/release/containers.sh), each container with its port 22 published on 127.0.0.1 at
# a free port, and logins from this host through that port with ssh and sshpass.
#
# run.sh sets the engine up (containers_private_net), imports the base image, builds
# contrib/docker/Dockerfile and runs the scenarios with CONTAINERS_CONF (the private
# engine) and CONTRIB_IMAGE (the image's name) in their environment; a scenario run
# without them stops with a message (run it as `tests/contrib/run.sh NAME`).
#
# A scenario does: . "$(dirname "$0")/common.sh"; contrib_begin NAME; then its cases, each
# with ct_run ... and the checks below; contrib_end.

contrib_here=$(cd "$(dirname -- "$0")" && pwd)
# shellcheck source=../release/containers.sh
. "$contrib_here/../release/containers.sh"

# The passwords of the tests (never a real one).
# shellcheck disable=SC2034 # used by the scenarios
CONTRIB_PW='start-Contrib-pw-5127'
# shellcheck disable=SC2034 # used by the scenarios
CONTRIB_PW_BAKED='baked-Contrib-pw-8301'
# shellcheck disable=SC2034 # 7 characters: too short for podpass
CONTRIB_PW_SHORT='Shrt-77'
# shellcheck disable=SC2034
CONTRIB_WRONG='not-the-Contrib-pw-1'

fail() {
    echo "FAIL $contrib_name${contrib_case:+ $contrib_case}: $*" >&2
    exit 1
}

step() { echo "--- $*"; }

# contrib_begin NAME: the engine of run.sh, a work directory (removed at exit, with every
# container of this scenario), a client key.
contrib_begin() {
    contrib_name=$1
    contrib_case=''
    if [ -z "${CONTAINERS_CONF:-}" ] || [ -z "${CONTRIB_IMAGE:-}" ]; then
        fail "no engine: run this scenario as tests/contrib/run.sh $contrib_name"
    fi
    CONTRIB_DIR=$(cd "${CONTRIB_DIR:-$contrib_here/../../contrib}" && pwd)
    WORK=$(mktemp -d "$TMPDIR/podpass-contrib.$contrib_name.XXXXXX")
    trap contrib_cleanup EXIT
    ssh-keygen -q -t ed25519 -N '' -C contrib-test -f "$WORK/id_test"
    # shellcheck disable=SC2034 # the scenarios give it to the containers
    CONTRIB_KEY=$(cat "$WORK/id_test.pub")
}

# shellcheck disable=SC2317 # run by the EXIT trap
contrib_cleanup() {
    local c
    for c in $(podman ps -a --format '{{.Names}}' | grep "^podpass-test-$contrib_name-" || true); do
        podman rm -f -t 0 "$c" >/dev/null 2>&1 || true
    done
    rm -rf -- "$WORK"
}

contrib_end() {
    echo "PASS $contrib_name"
    exit 0
}

# ct_case NAME: a new case; CT: its container's name, CT_PORT: a free port on 127.0.0.1.
ct_case() {
    contrib_case=$1
    CT=podpass-test-$contrib_name-$1
    CT_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    echo "=== $contrib_name $1 (127.0.0.1:$CT_PORT)"
}

# ct_run PODMAN_RUN_ARGS...: podman run -d of the case's container, port 22 published on
# CT_PORT. strace records every execve of podman, conmon, runc and the container's
# processes (CT_TRACE), for ct_argv_clean; it runs in the background (conmon, traced, lives
# as long as the container) until the container is removed.
ct_run() {
    CT_TRACE=$WORK/$CT.trace
    ct_traced "$CT_TRACE" run -d --name "$CT" -p "127.0.0.1:$CT_PORT:22" "$@"
    local last=${*: -1}
    [ "${#last}" -le 60 ] || last="${last:0:57}..."
    echo "    podman run -d -p 127.0.0.1:$CT_PORT:22 ... $last"
}

# ct_traced TRACE PODMAN_ARGS...: podman under strace, in the background; back once the
# container has started (or ended).
ct_traced() {
    local trace=$1 i=0 st
    shift
    strace -f -qq --seccomp-bpf -e trace=execve -e signal=none -s 65536 -o "$trace" \
        podman "$@" >"$WORK/podman.out" 2>&1 &
    local bg=$!
    while :; do
        st=$(podman inspect -f '{{.State.Status}} {{.State.StartedAt}}' "$CT" 2>/dev/null || true)
        case $st in running* | exited*) [ "$trace" != "$CT_TRACE.restart" ] || [ "$st" != "${CT_STARTED:-}" ] && break ;; esac
        if [ "$i" -ge 600 ] || { ! kill -0 "$bg" 2>/dev/null && ! podman container exists "$CT"; }; then
            cat "$WORK/podman.out" >&2
            fail "the container did not start (podman $1)"
        fi
        sleep 0.2
        i=$((i + 1))
    done
    CT_STARTED=$st
}

# ct_restart: the container stopped (killed: sleep, the main process, ignores SIGTERM)
# and started again on its own files, as docker restart does.
ct_restart() {
    podman kill "$CT" >/dev/null || fail "podman kill failed"
    podman wait "$CT" >/dev/null || true
    CT_STARTED=$(podman inspect -f '{{.State.Status}} {{.State.StartedAt}}' "$CT")
    ct_traced "$CT_TRACE.restart" start "$CT"
    echo "    restarted the container"
}

ct_logs() { podman logs "$CT" 2>&1; }

ct_show_log() {
    echo "    the container's log:" >&2
    ct_logs | sed -e 's/^/      | /' >&2 || true
}

ct_running() { [ "$(podman inspect -f '{{.State.Running}}' "$CT" 2>/dev/null)" = true ]; }

# ct_wait_log TEXT [SECONDS]: until the container's log holds the fixed TEXT.
ct_wait_log() {
    local text=$1 limit=${2:-90} i=0
    while [ "$i" -lt $((limit * 5)) ]; do
        if ct_logs | grep -qF -- "$text"; then return 0; fi
        ct_running || { ct_show_log; fail "the container ended before its log said: $text"; }
        sleep 0.2
        i=$((i + 1))
    done
    ct_show_log
    fail "the container's log did not say within ${limit}s: $text"
}

# ct_wait_exit: until the container ends (90 s at most); CT_RC: its exit status.
ct_wait_exit() {
    # shellcheck disable=SC2034 # the scenario reads it
    CT_RC=$(timeout 90 podman wait "$CT") || { ct_show_log; fail "the container did not end"; }
}

ct_assert_log() { # TEXT
    ct_logs | grep -qF -- "$1" || { ct_show_log; fail "the container's log does not say: $1"; }
}

# ct_wait_banner: until an SSH-2.0- banner comes through the published port (60 s at most).
ct_wait_banner() {
    local limit=60 i=0
    while [ "$i" -lt $((limit * 5)) ]; do
        # shellcheck disable=SC2016 # evaluated by the inner bash
        if timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && IFS= read -r -t 2 l <&3 && [[ $l == SSH-2.0-* ]]' _ "$CT_PORT" 2>/dev/null; then
            return 0
        fi
        sleep 0.2
        i=$((i + 1))
    done
    ct_show_log
    fail "no SSH-2.0- banner on 127.0.0.1:$CT_PORT within ${limit}s"
}

ct_ssh_opts=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR
    -o ConnectTimeout=10 -o BatchMode=no -o NumberOfPasswordPrompts=1)

# try_pw PASSWORD: one password login as root through the port; status, stderr in ssh.err.
try_pw() {
    SSHPASS=$1 sshpass -e ssh "${ct_ssh_opts[@]}" -o PubkeyAuthentication=no \
        -o PreferredAuthentications=password -p "$CT_PORT" root@127.0.0.1 true 2>"$WORK/ssh.err" </dev/null
}

ct_login_pw() { # PASSWORD
    ct_wait_banner
    try_pw "$1" || fail "password login through 127.0.0.1:$CT_PORT failed: $(cat "$WORK/ssh.err")"
    echo "    password login as root through 127.0.0.1:$CT_PORT: ok"
}

ct_login_pw_fails() { # PASSWORD
    ct_wait_banner
    if try_pw "$1"; then fail "a password login that must be refused succeeded"; fi
    grep -q 'Permission denied' "$WORK/ssh.err" || fail "the login did not reach a refusal: $(cat "$WORK/ssh.err")"
    echo "    password login with that password: refused"
}

ct_login_key() {
    ct_wait_banner
    ssh "${ct_ssh_opts[@]}" -o BatchMode=yes -o PasswordAuthentication=no -o IdentitiesOnly=yes \
        -i "$WORK/id_test" -p "$CT_PORT" root@127.0.0.1 true 2>"$WORK/ssh.err" </dev/null ||
        fail "key login through 127.0.0.1:$CT_PORT failed: $(cat "$WORK/ssh.err")"
    echo "    key login as root: ok"
}

ct_exec() { podman exec "$CT" "$@"; }

# ct_one_block: one managed block in the container's sshd_config.
ct_one_block() {
    local n
    n=$(ct_exec grep -c '^# BEGIN podpass block for root' /etc/ssh/sshd_config || true)
    [ "$n" = 1 ] || fail "expected one managed block in sshd_config, found $n"
    echo "    one managed block in sshd_config"
}

# ct_hidden WHAT VALUE [ALLOWED_FILE [PID...]]: inside the running container, VALUE is in no
# file (but ALLOWED_FILE), no process's command line, no environment (but of the PIDs, the
# platform's own processes, which the platform gives it), not in ps; and not in the log.
ct_hidden() {
    local what=$1 value=$2 allowed=${3:-} out
    shift 3 2>/dev/null || shift "$#"
    out=$(printf '%s' "$value" | podman exec -i "$CT" python3 -c '
import os, subprocess, sys
v = sys.stdin.buffer.read()
allowed, pids = sys.argv[1], set(sys.argv[2:])
me = str(os.getpid())
for top in os.listdir("/"):
    if top in ("proc", "sys", "dev"):
        continue
    for d, dirs, files in os.walk("/" + top):
        for f in files:
            p = os.path.join(d, f)
            if p == allowed or os.path.islink(p) or not os.path.isfile(p):
                continue
            try:
                if v in open(p, "rb").read():
                    print("in the file " + p)
            except OSError:
                pass
for pid in filter(str.isdigit, os.listdir("/proc")):
    if pid == me:
        continue
    for what in ("cmdline", "environ"):
        if what == "environ" and pid in pids:
            continue
        try:
            if v in open("/proc/%s/%s" % (pid, what), "rb").read():
                print("in the %s of pid %s" % (what, pid))
        except OSError:
            pass
if v in subprocess.run(["ps", "-eo", "pid,args"], capture_output=True).stdout:
    print("in ps")
' "$allowed" "$@") || fail "the scan inside the container failed"
    [ -z "$out" ] || fail "$what: $(echo "$out" | tr '\n' ';')"
    if ct_logs | grep -qF -- "$value"; then fail "$what is in the container's log"; fi
    echo "    $what: in no file${allowed:+ but $allowed}, argv, environment${*:+ (but pids $*)}, ps or log"
}

# ct_env_clean PID NAME...: none of the variables is in the environment of PID (in the
# container).
ct_env_clean() {
    local pid=$1 n env
    shift
    env=$(ct_exec cat "/proc/$pid/environ" | tr '\0' '\n') || fail "no process $pid"
    for n in "$@"; do
        ! grep -q "^$n=" <<<"$env" || fail "$n is in the environment of pid $pid"
    done
    echo "    pid $pid ($(ct_exec cat "/proc/$pid/comm")): none of $* in its environment"
}

# ct_argv_clean VALUE...: no program started for the container (podman, conmon, runc and
# every process inside, the short-lived ones too, as strace saw them at execve) had one of
# the values in its argv; podpass must be among them (the trace reached the container).
ct_argv_clean() {
    local t v n=0
    for t in "$CT_TRACE" "$CT_TRACE.restart"; do
        [ -f "$t" ] || continue
        grep -q 'execve("/usr/sbin/podpass"' "$t" || fail "strace did not see podpass run in the container"
        for v in "$@"; do
            ! grep -qF -- "$v" "$t" || fail "a test password was in the argv of a program: $(grep -cF -- "$v" "$t") execve(s)"
        done
        n=$((n + $(grep -c 'execve(' "$t")))
    done
    echo "    strace: $n execve calls (podman, conmon, runc, the container's, podpass's), no test password in any argv"
}

# shellcheck disable=SC2016 # awk's fields
ct_root_hash() { ct_exec awk -F: '$1 == "root" { print $2 }' /etc/shadow; }

# ct_sshd_pids: the pids of sshd in the container.
ct_sshd_pids() { ct_exec pgrep -x sshd || true; }

# shellcheck shell=bash source-path=SCRIPTDIR
# Shared by the scenarios of tests/contrib/: the recipes of contrib/ run for real, as the
# platform would run them, inside the namespaces of tests/e2e/lib.sh, in a root that is
# an image built from a Dockerfile of contrib/docker (E2E_ROOT: an overlay over it, so the
# image is never written, and every case starts from the image as built, like a new
# container).
#
# A scenario does:
#     . "$(dirname "$0")/common.sh"
#     contrib_prepare() { ...; }      # optional: on the host, print bash that sets what the
#                                     # scenario needs inside (it cannot read the checkout)
#     CONTRIB_CASES=(a b c)           # the cases run when none is named on the command line
#     contrib_enter "$@"              # then, inside: case "$1" in a) ... esac; pass
#
# On the host contrib_enter checks for root and unshare (exit 77 without), gets the image
# (CONTRIB_IMAGE, the OUT directory of tests/contrib/dockerfile.sh build; else it builds
# contrib/docker/Dockerfile with the package PODPASS_DEB), copies lib.sh, this file, the
# scenario and the output of contrib_prepare (contrib-inputs.sh) to a stage directory
# (lib.sh copies that directory's *.sh into the root) and runs each case there, each in
# its own namespaces over a fresh overlay.
#
# Environment: CONTRIB_IMAGE (an image, OUT of dockerfile.sh build), PODPASS_DEB (the
# package, to build one), CONTRIB_DIR (the contrib/ tree to test, default the checkout's).
# Inside, the image's own /etc, /root, /home, /run and /var/log are put back (lib.sh hides
# them behind copies, which the overlay makes unnecessary) and the image's own podpass
# (/usr/sbin/podpass, from the package) is the one that runs.

contrib_here=$(cd "$(dirname -- "$0")" && pwd)
if [ -f "$contrib_here/lib.sh" ]; then
    # shellcheck source=../e2e/lib.sh
    . "$contrib_here/lib.sh"
else
    # shellcheck source=../e2e/lib.sh
    . "$contrib_here/../e2e/lib.sh"
fi

# Docker's default capabilities (moby's oci/caps/defaults.go; containerd's are the same).
CONTRIB_DOCKER_CAPS=chown,dac_override,fsetid,fowner,mknod,net_raw,setgid,setuid,setfcap,setpcap,net_bind_service,sys_chroot,kill,audit_write
CONTRIB_CASES=()
# The image's environment and command (contrib-inputs.sh sets them, inside).
img_env=()
img_argv=()
# The passwords of the tests (never a real one); used by the scenarios.
# shellcheck disable=SC2034
CONTRIB_PW='start-Contrib-pw-5127'
# shellcheck disable=SC2034
CONTRIB_PW_BAKED='baked-Contrib-pw-8301'
# shellcheck disable=SC2034 # 7 characters: too short for podpass
CONTRIB_PW_SHORT='Shrt-77'

# ---------------------------------------------------------------- on the host

contrib_host_fail() {
    echo "FAIL $e2e_name: $*" >&2
    exit 1
}

contrib_enter() {
    if [ "${E2E_INSIDE:-}" = 1 ]; then
        e2e_enter "$@"
        contrib_inside_setup
        return 0
    fi
    if [ "${CONTRIB_STAGED:-}" = 1 ]; then
        e2e_enter "$@" # never returns
    fi

    [ "$(id -u)" = 0 ] || e2e_skip "needs root (uid $(id -u)): the contrib tests build images and run them in private namespaces"
    command -v unshare >/dev/null 2>&1 || e2e_skip "unshare(1) not found (util-linux)"
    local err
    if ! err=$(unshare --mount --net --pid --fork --mount-proc --propagation private true 2>&1); then
        e2e_skip "unshare does not work here: ${err:-exit status $?}"
    fi
    command -v python3 >/dev/null 2>&1 || contrib_host_fail "python3 not found"

    CONTRIB_DIR=$(cd "${CONTRIB_DIR:-$contrib_here/../../contrib}" && pwd) ||
        contrib_host_fail "no contrib directory"
    export CONTRIB_DIR
    local tmp built='' rc=0 c
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/podpass-contrib.$e2e_name.XXXXXX")
    # shellcheck disable=SC2064 # expand now: the path is fixed
    trap "rm -rf -- '$tmp'" EXIT
    if [ -z "${CONTRIB_IMAGE:-}" ]; then
        [ -n "${PODPASS_DEB:-}" ] ||
            contrib_host_fail "neither CONTRIB_IMAGE (an image built by dockerfile.sh) nor PODPASS_DEB (a podpass_*.deb to build one with) is set"
        echo "--- no CONTRIB_IMAGE: building contrib/docker/Dockerfile with $PODPASS_DEB"
        (contrib_build_image "$CONTRIB_DIR/docker/Dockerfile" "$tmp/image") >"$tmp/build.log" 2>&1 || {
            tail -n 30 "$tmp/build.log" >&2
            contrib_host_fail "could not build contrib/docker/Dockerfile (log above)"
        }
        CONTRIB_IMAGE=$tmp/image
        built=1
    fi
    if [ ! -d "$CONTRIB_IMAGE/rootfs" ] || [ ! -f "$CONTRIB_IMAGE/config/env" ]; then
        contrib_host_fail "CONTRIB_IMAGE is not an image built by dockerfile.sh: $CONTRIB_IMAGE"
    fi
    [ -x "$CONTRIB_IMAGE/rootfs/usr/sbin/podpass" ] ||
        contrib_host_fail "the image has no /usr/sbin/podpass: $CONTRIB_IMAGE"

    mkdir -p "$tmp/stage"
    cp -- "$contrib_here/../e2e/lib.sh" "$contrib_here/common.sh" "$0" "$tmp/stage/"
    {
        echo "# made by $e2e_name on the host"
        contrib_image_inputs
        if declare -F contrib_prepare >/dev/null; then contrib_prepare; fi
    } >"$tmp/stage/contrib-inputs.sh" || contrib_host_fail "could not read what the scenario needs"

    local -a cases=("$@")
    [ "$#" -gt 0 ] || cases=("${CONTRIB_CASES[@]}")
    [ "${#cases[@]}" -gt 0 ] || contrib_host_fail "no case given"
    # Every command line of every process of a case, the short-lived ones too, as strace sees
    # them at execve: no test password may be in one.
    local -a tracer=()
    printf '%s\n' "$CONTRIB_PW" "$CONTRIB_PW_BAKED" "$CONTRIB_PW_SHORT" >"$tmp/passwords"
    if command -v strace >/dev/null 2>&1; then
        tracer=(strace -f -qq --seccomp-bpf -e trace=execve -e signal=none -s 65536 -o "$tmp/execve.trace")
    else
        echo "NOTE $e2e_name: strace not found: command lines are checked after the start only, a short-lived one is not seen"
    fi
    local failed=()
    for c in "${cases[@]}"; do
        echo "=== $e2e_name $c"
        rc=0
        E2E_ROOT=$CONTRIB_IMAGE/rootfs PODPASS=$CONTRIB_IMAGE/rootfs/usr/sbin/podpass CONTRIB_STAGED=1 \
            "${tracer[@]}" bash "$tmp/stage/$(basename -- "$0")" "$c" || rc=$?
        if [ "${#tracer[@]}" -gt 0 ] && [ "$rc" = 0 ]; then
            if [ ! -s "$tmp/execve.trace" ]; then
                echo "FAIL $e2e_name $c: strace recorded no execve" >&2
                rc=1
            elif grep -qF -f "$tmp/passwords" "$tmp/execve.trace"; then
                echo "FAIL $e2e_name $c: a test password was in the argv of a program it ran:" >&2
                grep -F -f "$tmp/passwords" "$tmp/execve.trace" | head -n 3 |
                    sed -e "s/$CONTRIB_PW\|$CONTRIB_PW_BAKED\|$CONTRIB_PW_SHORT/<password>/g; s/^/    | /" >&2
                rc=1
            else
                echo "    strace: $(grep -c 'execve(' "$tmp/execve.trace") execve calls, no test password in any argv"
            fi
        fi
        rm -f "$tmp/execve.trace"
        case $rc in
        0) ;;
        77) exit 77 ;;
        *) failed+=("$c") ;;
        esac
    done
    [ -z "$built" ] || rm -rf -- "$tmp/image"
    if [ "${#failed[@]}" -gt 0 ]; then
        echo "FAIL $e2e_name: ${failed[*]}" >&2
        exit 1
    fi
    echo "PASS $e2e_name (${cases[*]})"
    exit 0
}

# contrib_build_image DOCKERFILE OUT [dockerfile.sh options]: build with the context
# contrib/docker plus the package PODPASS_DEB, as README says to do.
contrib_build_image() {
    local dockerfile=$1 out=$2
    shift 2
    [ -n "${PODPASS_DEB:-}" ] || contrib_host_fail "PODPASS_DEB is not set (the path of a built podpass_*.deb)"
    [ -f "$PODPASS_DEB" ] || contrib_host_fail "PODPASS_DEB: no such file: $PODPASS_DEB"
    local ctx=$out.context
    rm -rf -- "$ctx"
    mkdir -p "$ctx"
    cp -- "$CONTRIB_DIR"/docker/* "$ctx/"
    # A checkout may have lost the executable bit (a zip, another OS): the Dockerfiles
    # must not depend on it.
    chmod 0644 "$ctx"/*
    cp -- "$PODPASS_DEB" "$ctx/$(basename -- "$PODPASS_DEB")"
    "$contrib_here/dockerfile.sh" build -f "$dockerfile" "$@" "$ctx" "$out"
}

# The image's configuration, for the scenario: img_env (NAME=VALUE), img_argv (ENTRYPOINT
# then CMD).
contrib_image_inputs() {
    local -a img_env=() img_argv=() cmd=()
    mapfile -d '' -t img_env <"$CONTRIB_IMAGE/config/env"
    mapfile -d '' -t img_argv <"$CONTRIB_IMAGE/config/entrypoint"
    mapfile -d '' -t cmd <"$CONTRIB_IMAGE/config/cmd"
    img_argv+=("${cmd[@]}")
    contrib_vars img_env img_argv
}

# contrib_vars NAME...: bash that sets these variables (arrays too) as globals, for
# contrib-inputs.sh (sourced inside a function).
contrib_vars() {
    local n d flags
    for n in "$@"; do
        d=$(declare -p "$n") || return 1
        d=${d#declare }
        flags=${d%% *}
        d=${d#* }
        if [ "$flags" = -- ]; then flags=-g; else flags=-g${flags#-}; fi
        printf 'declare %s %s\n' "$flags" "$d"
    done
}

# ---------------------------------------------------------------- inside

contrib_inside_setup() {
    # The image as it was built: lib.sh's copies of /etc, /root and /home and its tmpfs on
    # /run and /var/log go (the overlay keeps the image itself unwritten).
    local m
    for m in /var/log /run /home /root /etc; do
        umount "$m" || fail "cannot unmount lib.sh's $m"
    done
    # The package's podpass, not lib.sh's copy in /usr/local/sbin (the same file).
    rm -f /usr/local/sbin/podpass
    PODPASS=/usr/sbin/podpass
    [ -x "$PODPASS" ] || fail "the image has no $PODPASS"
    # shellcheck source=/dev/null
    . "$E2E_DIR/contrib-inputs.sh"
    CONTRIB_LOG=$WORK/container.log
    CONTRIB_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
    local kv
    for kv in "${img_env[@]}"; do
        case $kv in PATH=*) CONTRIB_PATH=${kv#PATH=} ;; esac
    done
}

# contrib_start LOG NAME=VALUE... -- ARGV...: start ARGV the way a container runtime starts a
# container's first process: an environment of PATH (the image's), HOSTNAME, HOME=/root,
# the image's ENV and the NAME=VALUE given (values never in an argv), working directory /,
# stdin /dev/null, stdout and stderr to LOG (docker logs), Docker's default capabilities
# only. CONTRIB_PID: its pid.
contrib_start() {
    local log=$1 kv
    shift
    local -a envs=("PATH=$CONTRIB_PATH" HOSTNAME=contrib-test HOME=/root "${img_env[@]}")
    while [ "$#" -gt 0 ] && [ "$1" != -- ]; do
        envs+=("$1")
        shift
    done
    [ "${1:-}" = -- ] || fail "contrib_start: no -- before the command"
    shift
    (
        trap - ERR
        while IFS= read -r kv; do unset "$kv" 2>/dev/null || true; done < <(compgen -e)
        for kv in "${envs[@]}"; do export "${kv?}"; done
        cd /
        exec setpriv --bounding-set "-all,+${CONTRIB_DOCKER_CAPS//,/,+}" --inh-caps -all \
            -- "$@" </dev/null >>"$log" 2>&1
    ) &
    CONTRIB_PID=$!
    local what="$*"
    what=${what//$'\n'/\\n}
    [ "${#what}" -le 90 ] || what="${what:0:87}..."
    echo "    started the container: pid $CONTRIB_PID, $what"
}

contrib_state() { # PID: its state letter (Z for a zombie), nothing once gone
    local s
    s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    s=${s##*) }
    printf '%s\n' "${s%% *}"
}

contrib_alive() { # PID
    local s
    s=$(contrib_state "$1")
    [ -n "$s" ] && [ "$s" != Z ]
}

contrib_show_log() {
    echo "    the container's log:" >&2
    sed -e 's/^/      | /' "$CONTRIB_LOG" >&2 || true
}

# contrib_wait_exec PID PROGRAM [SECONDS]: wait until PID runs PROGRAM (the main process the
# start script execs); fail when it ends first.
contrib_wait_exec() {
    local pid=$1 want=$2 limit=${3:-60} i=0 exe
    while [ "$i" -lt $((limit * 10)) ]; do
        if ! contrib_alive "$pid"; then
            local rc=0
            wait "$pid" || rc=$?
            contrib_show_log
            fail "the container ended (exit status $rc) before it ran $want"
        fi
        exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
        if [ "$exe" = "$want" ]; then
            echo "    the start handed over to $want (pid $pid)"
            return 0
        fi
        sleep 0.1
        i=$((i + 1))
    done
    contrib_show_log
    fail "the container did not get to $want within ${limit}s (it runs $(readlink "/proc/$pid/exe" || true))"
}

# contrib_wait_log TEXT [SECONDS]: wait until the container's log holds the fixed TEXT while
# the container runs.
contrib_wait_log() {
    local text=$1 limit=${2:-60} i=0
    while [ "$i" -lt $((limit * 10)) ]; do
        if grep -qF -- "$text" "$CONTRIB_LOG"; then return 0; fi
        if ! contrib_alive "$CONTRIB_PID"; then
            contrib_show_log
            fail "the container ended before its log said: $text"
        fi
        sleep 0.1
        i=$((i + 1))
    done
    contrib_show_log
    fail "the container's log did not say within ${limit}s: $text"
}

# contrib_wait_exit PID [SECONDS]: wait for the container to end; CONTRIB_RC: its status.
contrib_wait_exit() {
    local pid=$1 limit=${2:-60} i=0
    while contrib_alive "$pid"; do
        [ "$i" -lt $((limit * 10)) ] || { contrib_show_log; fail "the container still runs after ${limit}s"; }
        sleep 0.1
        i=$((i + 1))
    done
    CONTRIB_RC=0 # the scenario reads it
    # shellcheck disable=SC2034
    wait "$pid" || CONTRIB_RC=$?
}

# contrib_stop: stop the container, as docker stop does when its main process ignores
# SIGTERM: every process in this pid namespace but the scenario itself is killed, by pid.
# The files stay (docker restart keeps the container's writable layer).
contrib_stop() {
    local p i=0 left
    # bash reports the killed background job ("Killed ...") on stderr: not a failure here.
    exec 3>&2 2>/dev/null
    while :; do
        left=''
        for p in /proc/[0-9]*; do
            p=${p#/proc/}
            if [ "$p" = 1 ] || [ "$p" = "$BASHPID" ]; then continue; fi
            [ "$(contrib_state "$p")" != Z ] || continue
            left="$left $p"
            kill -KILL "$p" 2>/dev/null || true
        done
        [ -n "$left" ] || break
        [ "$i" -lt 100 ] || { exec 2>&3 3>&-; fail "processes left after kill:$left"; }
        sleep 0.1
        i=$((i + 1))
    done
    wait "$CONTRIB_PID" || true
    exec 2>&3 3>&-
    echo "    stopped the container"
}

# ---------------------------------------------------------------- secrets

# contrib_pattern VALUE: the name of a file holding VALUE as one fixed-string grep pattern,
# so that no scan puts it in an argv.
contrib_pattern() {
    local f
    f=$(mktemp "$WORK/pattern.XXXXXX")
    printf '%s\n' "$1" >"$f"
    printf '%s\n' "$f"
}

# contrib_assert_hidden WHAT PATTERN_FILE [PID...]: the value is in no file of the container
# (but the test's own /e2e-tmp), no process's command line or environment (but the
# environments of the PIDs given: the platform's own processes, which the platform gives it),
# not in ps, not in the container's log. CONTRIB_ALLOWED_FILE: a file that may hold it.
contrib_assert_hidden() {
    local what=$1 pat=$2 p hits='' d dirs=() skip=" ${*:3} "
    for d in /*; do
        case $d in /proc | /sys | /dev | /e2e | /e2e-tmp) continue ;; esac
        dirs+=("$d")
    done
    hits=$(grep -rlsaF -D skip -f "$pat" -- "${dirs[@]}" | grep -vxF -- "${CONTRIB_ALLOWED_FILE:-/nonexistent}" || true)
    [ -z "$hits" ] || fail "$what is in these files: $(echo "$hits" | tr '\n' ' ')"
    for p in /proc/[0-9]*; do
        if grep -qsaF -f "$pat" "$p/cmdline"; then
            fail "$what is in the command line of pid ${p#/proc/}: $(tr '\0' ' ' <"$p/cmdline" || true)"
        fi
        [[ $skip != *" ${p#/proc/} "* ]] || continue
        if grep -qsaF -f "$pat" "$p/environ"; then
            fail "$what is in the environment of pid ${p#/proc/}: $(tr '\0' ' ' <"$p/cmdline" || true)"
        fi
    done
    # shellcheck disable=SC2009 # what ps shows is the point
    if ps -eo pid,args | grep -qaF -f "$pat"; then fail "$what is in ps's output"; fi
    if grep -qaF -f "$pat" "$CONTRIB_LOG"; then fail "$what is in the container's log"; fi
    local note=''
    [ "$#" -lt 3 ] || note=" (the environments of the platform processes ${*:3} hold it)"
    echo "    $what: in no file, argv, environment, ps or log$note"
}

# contrib_assert_env_clean PID NAME...: none of the variables is in PID's environment.
contrib_assert_env_clean() {
    local pid=$1 n
    shift
    for n in "$@"; do
        if tr '\0' '\n' <"/proc/$pid/environ" | grep -q "^$n="; then
            fail "$n is in the environment of pid $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline"))"
        fi
    done
    echo "    pid $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline" | cut -c1-40)): none of $* in its environment"
}

assert_log_has() { # TEXT
    grep -qF -- "$1" "$CONTRIB_LOG" || { contrib_show_log; fail "the container's log does not say: $1"; }
}

# The public half of a new client key for root (lib.sh's make_client_key writes it to
# authorized_keys itself; pods get it from the platform instead).
contrib_client_key() {
    mkdir -p "$WORK/keys"
    chmod 0700 "$WORK/keys"
    rm -f "$WORK/keys/id_root" "$WORK/keys/id_root.pub"
    ssh-keygen -q -t ed25519 -N '' -C contrib-test -f "$WORK/keys/id_root"
    cat "$WORK/keys/id_root.pub"
}

contrib_one_block() {
    local nb
    nb=$(grep -cxF -- "$E2E_BEGIN_MARK" "$E2E_SSHD_CONFIG" || true)
    [ "$nb" = 1 ] || fail "expected one managed block in $E2E_SSHD_CONFIG, found $nb"
    echo "    one managed block in $E2E_SSHD_CONFIG"
}

# shellcheck shell=bash
# End-to-end harness for podpass: real sshd, real ssh client, throwaway namespaces.
#
# A scenario does:
#     . "${E2E_DIR:-$(dirname "$0")}/lib.sh"
#     e2e_enter "$@"
# Outside the namespace e2e_enter checks for root and a working unshare (exit 77 when
# either is missing, and only then), then runs the same script again inside
# `unshare --mount --net --pid --fork --mount-proc --propagation private` and removes the
# temp dir afterwards. Inside it hides /etc, /root, /home, /run and /var/log behind private
# copies or tmpfs, brings up lo, and returns to the scenario. Every process started inside
# dies with the namespace; nothing touches the machine's real files or processes.
#
# Environment: PODPASS (path of the binary under test), E2E_DIR (this directory),
# E2E_DATA (the test data, tests/data; copied into E2E_ROOT's root as /e2e-data),
# E2E_VERBOSE=1 to show podpass's stderr after every run.
# E2E_ROOT=DIR runs the scenario inside another system instead of this machine's: DIR is a
# root file system (a debootstrapped Debian, tests/distros/mkroot.sh) that is never
# written; inside the namespaces an overlay over it (its changes on a tmpfs) becomes the
# root, with PODPASS copied in as /usr/local/sbin/podpass (a static build, so it runs
# whatever the root's libc), and the scenario runs there with that root's own sshd,
# ssh, sshpass and PAM.
# A password is never put in any argv: podpass gets it on stdin, in a file or in
# PODPASS_PASSWORD; sshpass gets it with -e (SSHPASS in its environment only).

set -eu
set -o pipefail
set -E

# podpass's managed block for a user: a "Match User NAME" section between these marks.
e2e_begin_mark() { # USER
    printf "# BEGIN podpass block for %s: 'podpass disable -u %s' removes it" "$1" "$1"
}
e2e_end_mark() { # USER
    printf '# END podpass block for %s' "$1"
}
# shellcheck disable=SC2034 # root's marks, for the scenarios
E2E_BEGIN_MARK=$(e2e_begin_mark root)
# shellcheck disable=SC2034
E2E_END_MARK=$(e2e_end_mark root)
# The global block podpass 0.1.0 wrote at the top of the file (converted by later runs).
E2E_OLD_BEGIN_MARK="# BEGIN podpass managed block: 'podpass disable' removes it"
E2E_OLD_END_MARK="# END podpass managed block"
E2E_SSHD=/usr/sbin/sshd
E2E_SSHD_LOG=/run/sshd-e2e.log
E2E_SSHD_CONFIG=/etc/ssh/sshd_config
E2E_MARKER=E2E-LOGIN-OK

e2e_name=$(basename "$0" .sh)
# What every scenario may run, checked before entering the namespaces.
E2E_TOOLS=("$E2E_SSHD" ssh ssh-keygen sshpass ip chpasswd usermod sha256sum timeout pgrep)

e2e_skip() {
    echo "SKIP $e2e_name: $*" >&2
    exit 77
}

# ---------------------------------------------------------------- entering the namespace

e2e_enter() {
    if [ "${E2E_INSIDE:-}" = 1 ]; then
        if [ -n "${E2E_ROOT:-}" ] && [ "${E2E_CHROOTED:-}" != 1 ]; then
            e2e_chroot "$@"
        fi
        e2e_inside_setup
        return 0
    fi

    [ "$(id -u)" = 0 ] || e2e_skip "needs root (uid $(id -u)): the e2e tests run podpass for real in private namespaces"
    command -v unshare >/dev/null 2>&1 || e2e_skip "unshare(1) not found (util-linux)"
    local ns_flags=(--mount --net --pid --fork --mount-proc --propagation private)
    local err
    if ! err=$(unshare "${ns_flags[@]}" true 2>&1); then
        e2e_skip "unshare ${ns_flags[*]} does not work here: ${err:-exit status $?}"
    fi
    if unshare --help 2>&1 | grep -q -- '--kill-child'; then
        ns_flags+=(--kill-child)
    fi

    # Everything below is a failure, never a skip.
    local t missing=
    if [ -n "${E2E_ROOT:-}" ]; then
        [ -x "$E2E_ROOT/bin/sh" ] || { echo "FAIL $e2e_name: E2E_ROOT is not a root file system: $E2E_ROOT" >&2; exit 1; }
        # shellcheck disable=SC2016 # expanded by the root's shell
        missing=$(chroot "$E2E_ROOT" /bin/sh -c 'for t; do command -v "$t" >/dev/null 2>&1 || printf " %s" "$t"; done' \
            sh "${E2E_TOOLS[@]}") || { echo "FAIL $e2e_name: cannot chroot into $E2E_ROOT" >&2; exit 1; }
    else
        for t in "${E2E_TOOLS[@]}"; do
            command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
        done
    fi
    if [ -n "$missing" ]; then
        echo "FAIL $e2e_name: required tool missing${E2E_ROOT:+ in $E2E_ROOT}:$missing" >&2
        exit 1
    fi
    if [ -z "${PODPASS:-}" ]; then
        echo "FAIL $e2e_name: PODPASS is not set (path of the podpass binary)" >&2
        exit 1
    fi
    PODPASS=$(readlink -f -- "$PODPASS" || true)
    if [ -z "$PODPASS" ] || [ ! -x "$PODPASS" ]; then
        echo "FAIL $e2e_name: podpass binary not found or not executable: ${PODPASS:-(empty)}" >&2
        exit 1
    fi
    local self
    self=$(readlink -f -- "$0")
    E2E_DIR=$(dirname -- "$self")
    E2E_DATA=
    if [ -d "$E2E_DIR/../data" ]; then E2E_DATA=$(cd "$E2E_DIR/../data" && pwd); fi

    local tmp rc=0
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/podpass-e2e.$e2e_name.XXXXXX")
    # shellcheck disable=SC2064 # expand now: the path is fixed
    trap "rm -rf -- '$tmp'" EXIT
    chmod 0700 "$tmp"
    # The binary must stay reachable when /root and /home are hidden inside.
    case $PODPASS in
    /root/* | /home/*)
        cp -- "$PODPASS" "$tmp/podpass"
        PODPASS=$tmp/podpass
        ;;
    esac
    E2E_INSIDE=1 E2E_TMP=$tmp PODPASS=$PODPASS E2E_DIR=$E2E_DIR E2E_DATA=$E2E_DATA E2E_ROOT=${E2E_ROOT:-} \
        unshare "${ns_flags[@]}" bash "$self" "$@" || rc=$?
    exit "$rc"
}

# Inside, with E2E_ROOT: make the overlay over E2E_ROOT the root and run the scenario
# again there (exec, so it stays pid 1 of the pid namespace). Never returns.
e2e_chroot() {
    local new=${E2E_TMP:?}/root ovl=$E2E_TMP/overlay
    mkdir -p "$new" "$ovl"
    mount -t tmpfs -o mode=0755 e2e-overlay "$ovl"
    mkdir -p "$ovl/upper" "$ovl/work"
    mount -t overlay -o "lowerdir=$E2E_ROOT,upperdir=$ovl/upper,workdir=$ovl/work" e2e-root "$new"
    mount -t proc proc "$new/proc"
    mount --rbind /dev "$new/dev"
    mkdir -p "$new/e2e" "$new/e2e-tmp"
    chmod 0700 "$new/e2e-tmp"
    cp -- "$E2E_DIR"/*.sh "$new/e2e/"
    local py
    for py in "$E2E_DIR"/*.py "$E2E_DIR"/*.bash; do # helpers (tty.py, ubuntu.bash), where there are any
        if [ -e "$py" ]; then cp -- "$py" "$new/e2e/"; fi
    done
    if [ -n "${E2E_DATA:-}" ]; then cp -a -- "$E2E_DATA" "$new/e2e-data"; fi
    mkdir -p "$new/usr/local/sbin"
    cp -- "$PODPASS" "$new/usr/local/sbin/podpass"
    chmod 0755 "$new/usr/local/sbin/podpass"
    exec chroot "$new" /usr/bin/env -i \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root LC_ALL=C E2E_VERBOSE="${E2E_VERBOSE:-}" \
        E2E_INSIDE=1 E2E_CHROOTED=1 E2E_ROOT="$E2E_ROOT" E2E_TMP=/e2e-tmp \
        PODPASS=/usr/local/sbin/podpass E2E_DIR=/e2e E2E_DATA="${E2E_DATA:+/e2e-data}" \
        bash "/e2e/$e2e_name.sh" "$@"
}

# Inside: private copies of the parts of the system podpass and sshd write.
e2e_inside_setup() {
    : "${E2E_TMP:?E2E_TMP unset inside the namespace}"
    [ "$$" = 1 ] || { echo "FAIL $e2e_name: not pid 1 of a new pid namespace (pid $$)" >&2; exit 1; }
    export PODPASS E2E_DIR E2E_DATA
    unset PODPASS_PASSWORD SSHPASS E2E_INSIDE PUBLIC_KEY SSH_PUBLIC_KEY RUNPOD_PUBLIC_IP RUNPOD_TCP_PORT_22 PUBLIC_IPADDR VAST_TCP_PORT_22
    unset RUNPOD_POD_ID VAST_CONTAINERLABEL CONTAINER_ID PODPASS_PASSWORD_FILE PODPASS_ENCRYPTED
    unset PODPASS_USER PODPASS_MODE PODPASS_RESTART PODPASS_SSHD_CONFIG PODPASS_SSHD PODPASS_MIN_LENGTH PODPASS_METHOD PODPASS_IMPORT_KEYS

    WORK=$E2E_TMP/work
    mkdir -p "$WORK" "$E2E_TMP/mnt"
    trap 'e2e_on_err "$LINENO" "$BASH_COMMAND"' ERR

    ip link set lo up

    # /etc: a full copy (shadow, passwd, ssh, pam.d, login.defs ... all as they are).
    cp -a /etc "$E2E_TMP/mnt/etc"
    mount --bind "$E2E_TMP/mnt/etc" /etc
    # /root and /home: empty stand-ins with the same owner and mode. A full copy of a
    # developer's home can be gigabytes (and holds their credentials); the tests only need
    # ~/.ssh, which they create.
    e2e_skeleton /root "$E2E_TMP/mnt/root"
    e2e_skeleton /home "$E2E_TMP/mnt/home"
    local d
    for d in /home/*/; do
        [ -d "$d" ] || continue
        e2e_skeleton "${d%/}" "$E2E_TMP/mnt/home/$(basename "$d")"
    done
    mount --bind "$E2E_TMP/mnt/root" /root
    mount --bind "$E2E_TMP/mnt/home" /home
    mount -t tmpfs -o mode=0755 e2e-run /run
    # sshd writes wtmp/lastlog/btmp; keep those off the real /var/log.
    mount -t tmpfs -o mode=0755 e2e-log /var/log
    : >/var/log/wtmp
    : >/var/log/btmp
    : >/var/log/lastlog
    chmod 0664 /var/log/wtmp /var/log/lastlog
    chmod 0600 /var/log/btmp

    cd /
    # Start every scenario from the same ground: the system's stock sshd_config, no drop-ins,
    # no sshd running, root with no password.
    e2e_stock_config
    E2E_STEP="setup"
}

e2e_skeleton() { # SRC DST: an empty directory with SRC's owner and mode
    mkdir -p "$2"
    chown --reference="$1" "$2"
    chmod --reference="$1" "$2"
}

e2e_stock_config() {
    if [ -f /usr/share/openssh/sshd_config ]; then
        cp /usr/share/openssh/sshd_config "$E2E_SSHD_CONFIG"
    fi
    # OpenSSH 9.8 and later refuse, for a while, a source address whose connections
    # end before authenticating (PerSourcePenalties: a banner probe, a failed login).
    # The scenarios probe and fail logins from 127.0.0.1 far more often than anyone
    # would, so loopback is exempt here.
    if grep -qai persourcepenaltyexemptlist "$E2E_SSHD"; then
        printf '\n# e2e harness: loopback is exempt from per-source penalties\n%s\n' \
            'PerSourcePenaltyExemptList 127.0.0.0/8,::1' >>"$E2E_SSHD_CONFIG"
    fi
    chmod 0644 "$E2E_SSHD_CONFIG"
    chown root:root "$E2E_SSHD_CONFIG"
    # No drop-ins (upstream's sshd_config has no Include and no such directory).
    if [ -d /etc/ssh/sshd_config.d ]; then
        rm -f /etc/ssh/sshd_config.d/*
    fi
    # root without a password, as in container images.
    usermod -p '*' root
}

# e2e_dropins: files in /etc/ssh/sshd_config.d take effect: the directory exists and
# sshd_config includes it. Debian's and Ubuntu's stock files do; upstream's has no
# Include, so one is put at its top, where those distributions have it.
e2e_dropins() {
    mkdir -p /etc/ssh/sshd_config.d
    if ! grep -Eqi '^[[:space:]]*Include[[:space:]]+/etc/ssh/sshd_config\.d/\*\.conf' "$E2E_SSHD_CONFIG"; then
        sed -i '1i Include /etc/ssh/sshd_config.d/*.conf' "$E2E_SSHD_CONFIG"
    fi
}

# ---------------------------------------------------------------- reporting

E2E_STEP=""
E2E_LAST_CMD=""

step() { # narrate; also shown again by fail
    E2E_STEP=$*
    echo "--- $*"
}

e2e_context() {
    {
        echo "    scenario: $e2e_name"
        [ -z "$E2E_STEP" ] || echo "    step: $E2E_STEP"
        if [ -n "$E2E_LAST_CMD" ]; then
            echo "    last command: $E2E_LAST_CMD (exit ${E2E_LAST_RC:-?})"
            if [ -s "$WORK/last.out" ]; then
                echo "    its stdout:"
                sed -e 's/^/      | /' "$WORK/last.out" | head -n 20
            fi
            if [ -s "$WORK/last.err" ]; then
                echo "    its stderr:"
                sed -e 's/^/      | /' "$WORK/last.err" | tail -n 40
            fi
        fi
        if [ -s "$WORK/ssh.err" ]; then
            echo "    last ssh client stderr:"
            sed -e 's/^/      | /' "$WORK/ssh.err" | tail -n 10
        fi
        if [ -s "$E2E_SSHD_LOG" ]; then
            echo "    tail of $E2E_SSHD_LOG:"
            tail -n 25 "$E2E_SSHD_LOG" | sed -e 's/^/      | /'
        fi
        echo "    sshd processes: $(pgrep -a -x sshd | tr '\n' ';' || true)"
        if [ -f "$E2E_SSHD_CONFIG" ]; then
            echo "    head of $E2E_SSHD_CONFIG:"
            head -n 8 "$E2E_SSHD_CONFIG" | sed -e 's/^/      | /'
        fi
    } >&2
}

fail() {
    trap - ERR
    echo "FAIL $e2e_name: $*" >&2
    e2e_context
    exit 1
}

e2e_on_err() {
    trap - ERR
    echo "FAIL $e2e_name: unexpected error at line $1: $2" >&2
    e2e_context
    exit 1
}

pass() {
    echo "PASS $e2e_name"
    exit 0
}

# expect_exit CODE CMD...: run CMD (stdin as given), keep stdout/stderr in
# $WORK/last.out / $WORK/last.err, fail unless it exits with CODE.
expect_exit() {
    local want=$1 rc=0
    shift
    E2E_LAST_CMD=$*
    "$@" >"$WORK/last.out" 2>"$WORK/last.err" || rc=$?
    E2E_LAST_RC=$rc
    if [ "${E2E_VERBOSE:-}" = 1 ]; then
        echo "    \$ $* -> exit $rc"
        sed -e 's/^/    | /' "$WORK/last.err"
    fi
    if [ "$rc" != "$want" ]; then
        fail "expected exit $want from: $*, got $rc"
    fi
}

# podpass ARGS...: shorthand for running the binary under test, expecting success.
podpass_ok() {
    expect_exit 0 "$PODPASS" "$@"
}

# offered_methods: the authentication methods sshd offers root on 127.0.0.1 ("publickey", "publickey,password" ...), from an attempt with every method
# off; "?" when sshd says none.
offered_methods() {
    local m
    ssh "${e2e_ssh_opts[@]}" -o BatchMode=yes -o PubkeyAuthentication=no -o PasswordAuthentication=no \
        -o KbdInteractiveAuthentication=no root@127.0.0.1 true </dev/null >/dev/null 2>"$WORK/ssh.err" || true
    m=$(sed -n 's/.*Permission denied (\(.*\)).*/\1/p' "$WORK/ssh.err" | head -n 1)
    echo "${m:-?}"
}

last_stderr_has() { # ERE, case-insensitive
    grep -Eqi -- "$1" "$WORK/last.err"
}

# assert_names_line FILE LINE...: podpass's last stderr names FILE and one of the LINEs
# (e.g. "FILE: line 3", "FILE:3", "FILE line 3").
assert_names_line() {
    local file=$1 n
    shift
    grep -Fq -- "$file" "$WORK/last.err" || fail "stderr does not name $file"
    for n in "$@"; do
        if grep -F -- "$file" "$WORK/last.err" | grep -Eq -- "(^|[^0-9])$n([^0-9]|\$)"; then
            return 0
        fi
    done
    fail "stderr names $file but not line $*"
}

# e2e_enter_strace ARGS...: e2e_enter for a scenario that runs strace: it fails (not
# skips) when strace is missing, and skips when strace cannot trace here (no ptrace).
e2e_enter_strace() {
    if [ "${E2E_INSIDE:-}" != 1 ] && [ "$(id -u)" = 0 ] && ! command -v strace >/dev/null 2>&1; then
        echo "FAIL $e2e_name: required tool missing: strace" >&2
        exit 1
    fi
    e2e_enter "$@"
    if ! strace -qq -o /dev/null true 2>"$WORK/strace.err"; then
        e2e_skip "strace cannot trace here: $(head -n 1 "$WORK/strace.err")"
    fi
}

# ---------------------------------------------------------------- sshd

# The way an image's start script does it.
start_sshd() {
    mkdir -p /run/sshd
    chmod 0755 /run/sshd
    ssh-keygen -A >/dev/null
    "$E2E_SSHD" -E "$E2E_SSHD_LOG" || fail "sshd did not start"
    wait_banner
}

# wait_banner [SECONDS]: poll 127.0.0.1:22 until it answers SSH-2.0-.
wait_banner() {
    local limit=${1:-10} i=0
    while [ "$i" -lt $((limit * 10)) ]; do
        if banner_now; then return 0; fi
        sleep 0.1
        i=$((i + 1))
    done
    fail "no SSH-2.0- banner on 127.0.0.1:22 within ${limit}s"
}

banner_now() {
    # shellcheck disable=SC2016 # evaluated by the inner bash
    timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/22 && IFS= read -r -t 2 l <&3 && [[ $l == SSH-2.0-* ]]' 2>/dev/null
}

# The pid of the listening sshd (the one whose parent is this namespace's init).
# A session's unprivileged sshd whose monitor has just exited is reparented to
# init for a moment on its way out, so a second look is taken before failing.
sshd_listener_pid() {
    local pids n i=0
    while :; do
        pids=$(pgrep -x -P 1 sshd || true)
        n=$(printf '%s' "$pids" | grep -c . || true)
        if [ "$n" = 1 ] || [ "$i" -ge 20 ]; then break; fi
        sleep 0.1
        i=$((i + 1))
    done
    [ "$n" = 1 ] || fail "expected exactly one listening sshd, found $n: $(pgrep -a -x sshd | tr '\n' ';' || true)"
    printf '%s\n' "$pids"
}

# stop_sshd: stop every sshd of this namespace (each by its pid), wait until it is gone.
stop_sshd() {
    local p i=0
    for p in $(pgrep -x sshd || true); do
        kill "$p" 2>/dev/null || true
    done
    while pgrep -x sshd >/dev/null; do
        [ "$i" -lt 500 ] || fail "sshd did not stop"
        sleep 0.02
        i=$((i + 1))
    done
    rm -rf /run/sshd /run/sshd.pid
}

assert_no_sshd() {
    if pgrep -x sshd >/dev/null; then
        fail "an sshd is running and should not be: $(pgrep -a -x sshd | tr '\n' ';')"
    fi
}

# 0 when this sshd comes back from SIGHUP under a new pid: one without glibc's loader
# (static, or musl's loader), whose daemon() forks twice, so that after the re-execution
# it detaches again.
sshd_redetaches() {
    ! grep -aqF 'ld-linux' "$E2E_SSHD"
}

# The same listener as pid $1, reloaded and not restarted: the same pid, or, for an sshd
# that detaches again after SIGHUP (sshd_redetaches), one whose last word in its log
# (when it has one) is the SIGHUP, not a "terminating".
same_listener() { # OLD NOW
    [ "$1" = "$2" ] && return 0
    sshd_redetaches || return 1
    [ -f "$E2E_SSHD_LOG" ] || return 0
    [ "$(grep -E 'Received SIGHUP|terminating' "$E2E_SSHD_LOG" | tail -n 1 |
        grep -c 'Received SIGHUP')" = 1 ]
}

assert_sshd_serving() { # [PID]: a listener answers (and is PID when given)
    wait_banner 5
    if [ -n "${1:-}" ]; then
        local now
        now=$(sshd_listener_pid)
        same_listener "$1" "$now" || fail "the sshd listener changed: pid $1 before, $now now (restarted, not reloaded)"
    fi
}

# ---------------------------------------------------------------- users, keys, logins

user_home() {
    getent passwd "$1" | cut -d: -f6
}

# shadow_field USER: the password field of USER in /etc/shadow.
shadow_field() {
    awk -F: -v u="$1" '$1 == u { print $2 }' /etc/shadow
}

# sha512crypt, which every sshd's crypt() checks (musl's has no yescrypt).
set_password() { # USER PASSWORD: the plain way (chpasswd), for setting up scenarios
    printf '%s:%s\n' "$1" "$2" | chpasswd -c SHA512
}

# make_client_key USER: a key pair in $WORK/keys, public half in USER's authorized_keys.
make_client_key() {
    local user=$1 home group key
    home=$(user_home "$user")
    [ -n "$home" ] || fail "no such user: $user"
    group=$(id -gn "$user")
    key=$WORK/keys/id_$user
    mkdir -p "$WORK/keys"
    chmod 0700 "$WORK/keys"
    rm -f "$key" "$key.pub"
    ssh-keygen -q -t ed25519 -N '' -C "e2e-$user" -f "$key"
    mkdir -p "$home/.ssh"
    chmod 0700 "$home/.ssh"
    cat "$key.pub" >>"$home/.ssh/authorized_keys"
    chmod 0600 "$home/.ssh/authorized_keys"
    chown "$user:$group" "$home/.ssh" "$home/.ssh/authorized_keys"
    [ "$(stat -c %U "$home")" = "$user" ] || chown "$user:$group" "$home"
}

e2e_ssh_opts=(-F /dev/null -p 22
    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o GlobalKnownHostsFile=/dev/null
    -o ConnectTimeout=5 -o LogLevel=ERROR -o ServerAliveInterval=5 -o ServerAliveCountMax=2)

# The output of a login must carry the marker and the user's name.
e2e_check_login_output() { # USER FILE
    grep -qx "$E2E_MARKER" "$2" && grep -qx "$1" "$2"
}

# try_login_password USER PASSWORD: status only; output in $WORK/ssh.out / ssh.err.
try_login_password() {
    local user=$1 rc=0
    SSHPASS=$2 sshpass -e ssh "${e2e_ssh_opts[@]}" \
        -o PreferredAuthentications=password -o PubkeyAuthentication=no \
        -o KbdInteractiveAuthentication=no -o NumberOfPasswordPrompts=1 \
        "$user@127.0.0.1" "echo $E2E_MARKER; id -un" \
        </dev/null >"$WORK/ssh.out" 2>"$WORK/ssh.err" || rc=$?
    E2E_SSH_RC=$rc
    [ "$rc" = 0 ] && e2e_check_login_output "$user" "$WORK/ssh.out"
}

try_login_key() {
    local user=$1 rc=0
    ssh "${e2e_ssh_opts[@]}" -i "$WORK/keys/id_$user" -o IdentitiesOnly=yes -o IdentityAgent=none \
        -o BatchMode=yes -o PreferredAuthentications=publickey -o PasswordAuthentication=no \
        "$user@127.0.0.1" "echo $E2E_MARKER; id -un" \
        </dev/null >"$WORK/ssh.out" 2>"$WORK/ssh.err" || rc=$?
    E2E_SSH_RC=$rc
    [ "$rc" = 0 ] && e2e_check_login_output "$user" "$WORK/ssh.out"
}

login_password() { # USER PASSWORD
    try_login_password "$1" "$2" || fail "password login as $1 failed (ssh/sshpass exit $E2E_SSH_RC)"
    echo "    password login as $1: ok"
}

login_key() { # USER
    try_login_key "$1" || fail "key login as $1 failed (ssh exit $E2E_SSH_RC)"
    echo "    key login as $1: ok"
}

# A refusal is sshd saying no at authentication, not a connection that never happened.
e2e_is_refusal() {
    [ "$E2E_SSH_RC" = 5 ] || grep -q 'Permission denied' "$WORK/ssh.err"
}

login_password_fails() { # USER PASSWORD
    wait_banner 5
    if try_login_password "$1" "$2"; then
        fail "password login as $1 succeeded but must be refused"
    fi
    e2e_is_refusal || fail "password login as $1 did not reach a refusal (exit $E2E_SSH_RC)"
    echo "    password login as $1: refused, as it should be"
}

# try_login_key_and_password USER PASSWORD: one login that offers USER's key and then the
# password (what AuthenticationMethods publickey,password asks for); status only.
try_login_key_and_password() {
    local user=$1 rc=0
    SSHPASS=$2 sshpass -e ssh "${e2e_ssh_opts[@]}" -i "$WORK/keys/id_$user" -o IdentitiesOnly=yes \
        -o IdentityAgent=none -o PreferredAuthentications=publickey,password \
        -o PubkeyAuthentication=yes -o PasswordAuthentication=yes \
        -o KbdInteractiveAuthentication=no -o NumberOfPasswordPrompts=1 \
        "$user@127.0.0.1" "echo $E2E_MARKER; id -un" \
        </dev/null >"$WORK/ssh.out" 2>"$WORK/ssh.err" || rc=$?
    E2E_SSH_RC=$rc
    [ "$rc" = 0 ] && e2e_check_login_output "$user" "$WORK/ssh.out"
}

login_key_and_password() { # USER PASSWORD
    try_login_key_and_password "$1" "$2" ||
        fail "key+password login as $1 failed (ssh/sshpass exit $E2E_SSH_RC)"
    echo "    key+password login as $1: ok"
}

login_key_and_password_fails() { # USER PASSWORD
    wait_banner 5
    if try_login_key_and_password "$1" "$2"; then
        fail "key+password login as $1 succeeded but must be refused"
    fi
    e2e_is_refusal || fail "key+password login as $1 did not reach a refusal (exit $E2E_SSH_RC)"
    echo "    key+password login as $1: refused, as it should be"
}

# block_lines [USER]: the lines between the BEGIN and END marks of USER's block (root's
# by default), leading blanks removed ("Match User USER", "PasswordAuthentication yes", ...).
block_lines() {
    awk -v b="$(e2e_begin_mark "${1:-root}")" -v e="$(e2e_end_mark "${1:-root}")" \
        '$0 == e { inb = 0 } inb { sub(/^[ \t]+/, ""); print } $0 == b { inb = 1 }' "$E2E_SSHD_CONFIG"
}

login_key_fails() { # USER
    wait_banner 5
    if try_login_key "$1"; then
        fail "key login as $1 succeeded but must be refused"
    fi
    e2e_is_refusal || fail "key login as $1 did not reach a refusal (exit $E2E_SSH_RC)"
    echo "    key login as $1: refused, as it should be"
}

# ---------------------------------------------------------------- files

# snapshot NAME: owner, mode and sha256 of the account files and of everything under
# /etc/ssh, plus the names in /etc and /etc/ssh (to catch stray temp files).
snapshot() {
    e2e_state >"$WORK/snap.$1"
}

e2e_state() {
    local f
    for f in /etc/shadow /etc/shadow- /etc/passwd /etc/passwd- /etc/group /etc/gshadow; do
        [ -e "$f" ] || continue
        printf '%s %s %s\n' "$(stat -c '%a %U:%G' "$f")" "$(sha256sum <"$f" | cut -d' ' -f1)" "$f"
    done
    find /etc/ssh -print0 | sort -z | while IFS= read -r -d '' f; do
        if [ -f "$f" ] && [ ! -L "$f" ]; then
            printf '%s %s %s\n' "$(stat -c '%a %U:%G' "$f")" "$(sha256sum <"$f" | cut -d' ' -f1)" "$f"
        else
            printf '%s %s %s\n' "$(stat -c '%a %U:%G' "$f")" "$(stat -c %F "$f")" "$f"
        fi
    done
    # names in /etc (the shadow-utils lock file is a permanent file, not a temp one)
    find /etc -mindepth 1 -maxdepth 1 ! -name .pwd.lock -printf 'name %P\n' | sort
}

assert_unchanged() { # NAME
    e2e_state >"$WORK/snap.now"
    if ! diff -u "$WORK/snap.$1" "$WORK/snap.now" >"$WORK/snap.diff"; then
        sed -e 's/^/      /' "$WORK/snap.diff" >&2
        fail "files changed since snapshot '$1' (diff above)"
    fi
    echo "    every file unchanged since '$1'"
}

# assert_no_stray NAME: after a successful run, no new file in /etc or /etc/ssh except
# the ones podpass is meant to create: host keys and FILE- backups of existing files.
assert_no_stray() {
    local f base new=""
    e2e_paths <"$WORK/snap.$1" | sort -u >"$WORK/paths.before"
    e2e_state | e2e_paths | sort -u >"$WORK/paths.now"
    while IFS= read -r f; do
        case $f in
        /etc/ssh/ssh_host_*_key | /etc/ssh/ssh_host_*_key.pub) continue ;;
        esac
        base=${f%-}
        if [ "$base" != "$f" ] && grep -qxF -- "$base" "$WORK/paths.before"; then continue; fi
        new="$new $f"
    done < <(comm -13 "$WORK/paths.before" "$WORK/paths.now")
    [ -z "$new" ] || fail "new files left behind:$new"
}

e2e_paths() { # path names from a state listing
    awk '$1 == "name" { print "/etc/" $2; next } { print $NF }'
}

# The lines outside every podpass block (a user's or 0.1.0's), and, in after_first, the
# non-block lines that come after the first block.
# shellcheck disable=SC2016 # awk code
e2e_outside_awk='
    function is_begin(l) { return index(l, "# BEGIN podpass block for ") == 1 || l == ob }
    function is_end(l) { return index(l, "# END podpass block for ") == 1 || l == oe }
    is_begin($0) { skip = 1; seen = 1; next }
    is_end($0) { skip = 0; next }
    !skip && seen && after_first { print }
    !skip && !after_first { print }'

# outside_blocks FILE: FILE without any podpass block (see e2e_outside_awk).
outside_blocks() {
    awk -v ob="$E2E_OLD_BEGIN_MARK" -v oe="$E2E_OLD_END_MARK" -v after_first=0 \
        "$e2e_outside_awk" "$1"
}

# assert_block [ORIGINAL] [USER]: USER's block (root's by default) is there exactly once,
# a "Match User USER" section at the end of the file (only podpass blocks after its
# start), and the file outside every podpass block equals ORIGINAL byte for byte.
assert_block() {
    local cfg=$E2E_SSHD_CONFIG user=${2:-root} nb ne b e
    b=$(e2e_begin_mark "$user")
    e=$(e2e_end_mark "$user")
    nb=$(grep -cxF -- "$b" "$cfg" || true)
    ne=$(grep -cxF -- "$e" "$cfg" || true)
    if [ "$nb" != 1 ] || [ "$ne" != 1 ]; then
        fail "expected exactly one managed block for $user in $cfg, found $nb BEGIN and $ne END lines"
    fi
    [ "$(block_lines "$user" | head -n 1)" = "Match User $user" ] ||
        fail "the block for $user does not start with 'Match User $user'"
    if awk -v ob="$E2E_OLD_BEGIN_MARK" -v oe="$E2E_OLD_END_MARK" -v after_first=1 \
        "$e2e_outside_awk" "$cfg" | grep -q .; then
        fail "the podpass blocks are not at the end of $cfg (a line outside them follows)"
    fi
    if [ -n "${1:-}" ]; then
        outside_blocks "$cfg" >"$WORK/outside"
        # awk ends the last line with a newline the original may lack
        if ! cmp -s "$WORK/outside" "$1" && ! cmp -s "$WORK/outside" <(cat "$1"; echo); then
            diff -u "$1" "$WORK/outside" | head -n 30 | sed -e 's/^/      /' >&2 || true
            fail "$cfg outside the managed blocks differs from the original (diff above)"
        fi
    fi
    echo "    one managed block for $user at the end of $cfg"
}

# A crypt(5) sha512 hash of a password, without putting the password in argv.
make_hash() { # PASSWORD
    if command -v openssl >/dev/null 2>&1; then
        printf '%s\n' "$1" | openssl passwd -6 -stdin
    else
        # shellcheck disable=SC2016 # perl code
        E2E_PW=$1 perl -e 'print crypt($ENV{E2E_PW}, q($6$) . "e2esalt1"), "\n"'
    fi
}

# ---------------------------------------------------------------- a user as the attacker

# as_user USER CMD...: run CMD with USER's uid, gid and groups, as a login of USER would.
as_user() {
    local u=$1
    shift
    setpriv --reuid="$(id -u "$u")" --regid="$(id -g "$u")" --init-groups -- "$@"
}

# wait_file_has FILE ERE [SECONDS]: wait until FILE holds a line matching ERE (an event a
# background process reports), at most SECONDS (default 20); fail after that.
wait_file_has() {
    local n=0 max=$((${3:-20} * 100))
    until grep -qE -- "$2" "$1" 2>/dev/null; do
        [ "$n" -lt "$max" ] || fail "no line matching '$2' in $1 after ${3:-20} s"
        n=$((n + 1))
        sleep 0.01
    done
}

# outside_snapshot NAME: path, type, mode, owner, link count and link target of everything
# under /etc and /root, and the sha256 of every regular file there but /etc/shadow and
# /etc/shadow- (a password run rewrites those; their owner and mode are kept).
outside_snapshot() {
    e2e_outside_state >"$WORK/outside.$1"
}

e2e_outside_state() {
    find /etc /root -xdev ! -name .pwd.lock -printf '%p %y %m %u:%g %n %l\n' | sort
    find /etc /root -xdev -type f ! -path /etc/shadow ! -path /etc/shadow- ! -name .pwd.lock \
        -exec sha256sum {} + | sort -k 2
}

# assert_outside_unchanged NAME: nothing under /etc and /root changed since the snapshot.
assert_outside_unchanged() {
    e2e_outside_state >"$WORK/outside.now"
    if ! diff -u "$WORK/outside.$1" "$WORK/outside.now" >"$WORK/outside.diff"; then
        head -n 40 "$WORK/outside.diff" | sed -e 's/^/      /' >&2
        fail "files under /etc or /root changed since '$1' (diff above)"
    fi
}

# assert_no_podpass_leftovers: no kept original (*.podpass-orig) and no temp file
# (*.podpass-*) anywhere under /etc, /root or /home.
assert_no_podpass_leftovers() {
    local left
    left=$(find /etc /root /home -xdev -name '*.podpass-*' 2>/dev/null | head -n 5)
    [ -z "$left" ] || fail "podpass left files behind: $(echo "$left" | tr '\n' ' ')"
}

# ---------------------------------------------------------------- a run cut short

# kept_setup NAME: root and alice with client keys, a key for alice's run to import
# ($WORK/import.pub, for PUBLIC_KEY: her ~/.ssh/authorized_keys is then a file of the
# change too, written with her rights) and a drop-in that turns password login off.
kept_setup() {
    make_client_key root
    rmdir /home/alice 2>/dev/null || true
    useradd -m -s /bin/bash alice
    make_client_key alice
    ssh-keygen -q -t ed25519 -N '' -C "$1-import" -f "$WORK/import"
    echo 'PasswordAuthentication no' >"/etc/ssh/sshd_config.d/50-$1.conf"
}

# The account, sshd and key files of a run that a kill or a failure may cut short:
# kept_save NAME copies them (owner and mode kept), kept_restore NAME puts the copies
# back, kept_same NAME says whether every one of them but /etc/shadow- equals its copy.
E2E_KEPT=(/etc/shadow /etc/shadow- /etc/ssh/sshd_config /home/alice/.ssh/authorized_keys)
kept_save() { local f; for f in "${E2E_KEPT[@]}"; do cp -p -- "$f" "$WORK/$1.$(basename "$f")"; done; }
kept_restore() { local f; for f in "${E2E_KEPT[@]}"; do cp -p -- "$WORK/$1.$(basename "$f")" "$f"; done; }
kept_same() {
    local f
    for f in "${E2E_KEPT[@]}"; do
        [ "$f" = /etc/shadow- ] || cmp -s "$f" "$WORK/$1.$(basename "$f")" || return 1
    done
}

# wait_old_settings: after a reload, wait until sshd offers root publickey alone again.
wait_old_settings() {
    local i
    for ((i = 0; ; i++)); do
        [ "$(offered_methods)" = publickey ] && break
        [ "$i" -lt 100 ] || fail "sshd does not serve the old settings after the reset"
        sleep 0.1
    done
}

# strace_attach PID FILE ARGS...: strace ARGS attached to PID in the background (its
# pid in $tracer), its output in FILE; returns once it is attached.
strace_attach() {
    local pid=$1 out=$2 i
    shift 2
    strace -qq -o "$out" -p "$pid" "$@" &
    # shellcheck disable=SC2034 # for the scenario
    tracer=$!
    for ((i = 0; ; i++)); do
        [ "$(awk '/^TracerPid:/ { print $2 }' "/proc/$pid/status")" = 0 ] || break
        [ "$i" -lt 500 ] || fail "strace did not attach to pid $pid"
        sleep 0.02
    done
}

# sleep_call: the number of the system call a process sleeping in sleep(1) is in
# (clock_nanosleep, as podpass's own pauses), as /proc/PID/syscall shows it.
sleep_call() {
    local p n st i
    sleep 60 &
    p=$!
    # sleep(1)'s only sleep (state S) is that call; loading it may block elsewhere (D)
    for ((i = 0; ; i++)); do
        st="$(cat "/proc/$p/comm") $(cut -d' ' -f3 "/proc/$p/stat")"
        read -r n _ <"/proc/$p/syscall" || n=running
        [ "$st" != "sleep S" ] || [ "$n" = running ] || break
        [ "$i" -lt 1000 ] || fail "sleep(1) (pid $p) did not sleep within 10 s"
        sleep 0.01
    done
    kill "$p"
    wait "$p" 2>/dev/null || true
    echo "$n"
}

# podpass_leftovers: a journal or *.podpass-* file beside the files a run writes.
podpass_leftovers() {
    find /etc /etc/ssh /root/.ssh /home/alice/.ssh -maxdepth 1 \
        \( -name '*.podpass-*' -o -name '.podpass-journal*' \) 2>/dev/null
}

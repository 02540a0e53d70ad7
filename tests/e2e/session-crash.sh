#!/bin/bash
# sshd reloads with the new config and its listener runs and accepts connections, but
# every session process dies (SIGSEGV) before key exchange, so no login works: enable
# must refuse with 69 (EX_UNAVAILABLE), say why, and roll back: sshd_config and
# /etc/shadow byte for byte as before, and the same sshd listener serving the old
# settings and accepting a key login.
#
# The session processes die through wrappers bind-mounted, inside the namespace only,
# over the session binary: /usr/lib/openssh/sshd-session (OpenSSH 9.8 and later) and
# sshd itself, which OpenSSH 9.7 and earlier re-execute with -R for every connection.
# A wrapper kills itself while sshd_config holds podpass's managed block (the new
# config) and otherwise execs a copy of the real binary, so the old config works again
# after the rollback.
#
# The harness's PerSourcePenaltyExemptList is taken out: on OpenSSH 9.8 and later a
# session that crashes earns 127.0.0.1 a penalty (90 s by default), and sshd answers
# every later connection from it with "Not allowed at this time". That message, which a
# busy sshd also sends, must not pass for an answer once a session has died.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter "$@"
e2e_dropins # the drop-ins below take effect (upstream sshd_config: no Include)

pw='session-Crash-pw-3390'
real=/run/e2e-real
session_bin=/usr/lib/openssh/sshd-session
penalties=0
if grep -qai persourcepenalties "$E2E_SSHD"; then penalties=1; fi

step "setup: no penalty exemption for loopback, password logins off, session wrappers"
sed -i -e '/^# e2e harness: loopback is exempt/d' -e '/^PerSourcePenaltyExemptList /d' \
    "$E2E_SSHD_CONFIG"
if grep -qi '^PerSourcePenaltyExemptList' "$E2E_SSHD_CONFIG"; then
    fail "setup: the penalty exemption is still in $E2E_SSHD_CONFIG"
fi
# The old settings offer "publickey" alone, podpass's block "publickey,password".
# Keyboard-interactive off too: upstream's default has it on (before OpenSSH 8.7
# ChallengeResponseAuthentication, on by default, turns it on; later ones dropped that name).
dropin=/etc/ssh/sshd_config.d/50-session-crash.conf
printf 'PasswordAuthentication no\nKbdInteractiveAuthentication no\n' >"$dropin"
if grep -qai challengeresponseauthentication "$E2E_SSHD"; then
    echo 'ChallengeResponseAuthentication no' >>"$dropin"
fi
make_client_key root

mkdir -p "$real"
cp -p "$E2E_SSHD" "$real/sshd"
printf '%s\n' "$E2E_BEGIN_MARK" >"$real/mark"
# make_wrapper PATH COPY CONDITION: a script at PATH (bind-mounted over the binary)
# that dies by SIGSEGV when CONDITION holds and the new config is in place, else runs
# COPY with argv[0] PATH (sshd re-executes itself by that path).
make_wrapper() {
    cat >"$real/wrap.$(basename "$1")" <<EOF
#!/bin/bash
$3
if [ -n "\${die:-}" ] && grep -qxFf $real/mark $E2E_SSHD_CONFIG; then
    ulimit -c 0
    kill -SEGV \$\$
fi
exec -a $1 $2 "\$@"
EOF
    chmod 0755 "$real/wrap.$(basename "$1")"
    mount --bind "$real/wrap.$(basename "$1")" "$1"
}
# shellcheck disable=SC2016 # expanded by the wrapper
make_wrapper "$E2E_SSHD" "$real/sshd" 'for a; do [ "$a" != -R ] || die=1; done'
if [ -e "$session_bin" ]; then
    cp -p "$session_bin" "$real/sshd-session"
    make_wrapper "$session_bin" "$real/sshd-session" 'die=1'
fi

step "sshd runs through the wrappers and serves the old settings"
start_sshd
pid=$(sshd_listener_pid)
login_key root
m=$(offered_methods)
[ "$m" = publickey ] || fail "setup: sshd offers '$m', not 'publickey'"
cp -p "$E2E_SSHD_CONFIG" "$WORK/sshd_config.orig"
cp -p /etc/shadow "$WORK/shadow.orig"

step "podpass enable: sshd reloads, its sessions die before key exchange; refused, rolled back"
expect_exit 69 "$PODPASS" enable --password-stdin <<<"$pw"
last_stderr_has 'session processes ended before key exchange' ||
    fail "stderr does not say that sshd's sessions ended before key exchange"
if [ "$penalties" = 1 ]; then
    # OpenSSH 9.8 and later: the crashes made sshd refuse 127.0.0.1 for a while.
    last_stderr_has 'refused further connections' ||
        fail "stderr does not say that sshd then refused further connections"
fi
last_stderr_has 'rolling back' || fail "no rollback on stderr"

step "every file as before, the same sshd serves the old settings, key login works"
cmp -s "$E2E_SSHD_CONFIG" "$WORK/sshd_config.orig" || fail "$E2E_SSHD_CONFIG differs from before"
cmp -s /etc/shadow "$WORK/shadow.orig" || fail "/etc/shadow differs from before"
temps=$(find /etc /etc/ssh /etc/ssh/sshd_config.d -maxdepth 1 -name '*.podpass-*')
[ -z "$temps" ] || fail "temp file(s) left behind: $temps"
echo "    $E2E_SSHD_CONFIG and /etc/shadow byte for byte as before"
assert_sshd_serving "$pid"
m=$(offered_methods)
[ "$m" = publickey ] || fail "sshd offers '$m', not 'publickey' as with the old settings"
echo "    sshd (pid $pid) offers: $m"
login_key root
pass

#!/bin/bash
# The podpass of an extracted .deb, for real, in the e2e namespace (tests/e2e/lib.sh):
# Debian's stock sshd_config with sshd stopped, enable starts sshd and a password login
# works; disable puts sshd_config back and the password is refused again; with sshd
# running, enable --generate reloads it (same listener) and the generated password logs in.
# Run by deb-install.sh, which sets PODPASS to the extracted usr/sbin/podpass and
# PODPASS_DEB_VERSION to the package's version.
# The harness is sourced from ../e2e: inside the namespace E2E_DIR names this directory.
# shellcheck source-path=SCRIPTDIR source=../e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh" || exit 1
e2e_enter "$@"

pw='deb-Package-pw-5160'
make_client_key root
cp "$E2E_SSHD_CONFIG" "$WORK/sshd_config.orig"

step "podpass --version names the package's upstream version"
podpass_ok --version
if [ -n "${PODPASS_DEB_VERSION:-}" ]; then
    upstream=${PODPASS_DEB_VERSION#*:}
    upstream=${upstream%-*}
    grep -qF -- "$upstream" "$WORK/last.out" ||
        fail "podpass --version does not name $upstream (package version $PODPASS_DEB_VERSION): $(head -n 1 "$WORK/last.out")"
    echo "    $(head -n 1 "$WORK/last.out")"
fi

step "sshd stopped: podpass enable --password-stdin starts it"
assert_no_sshd
snapshot before
podpass_ok enable --password-stdin <<<"$pw"
wait_banner
pid=$(sshd_listener_pid)
assert_block "$WORK/sshd_config.orig"
assert_no_stray before
login_password root "$pw"
login_key root
login_password_fails root 'not-the-deb-password-1'

step "podpass disable: sshd_config as before, the password refused again"
podpass_ok disable
cmp -s "$WORK/sshd_config.orig" "$E2E_SSHD_CONFIG" ||
    fail "$E2E_SSHD_CONFIG is not byte-identical to the one before enable"
echo "    $E2E_SSHD_CONFIG byte-identical to the original"
assert_sshd_serving "$pid"
login_key root
login_password_fails root "$pw"

step "sshd running: podpass enable --generate reloads it"
podpass_ok enable --generate </dev/null
[ "$(wc -l <"$WORK/last.out")" = 1 ] ||
    fail "--generate: stdout must be exactly one line (the password)"
gen=$(cat "$WORK/last.out")
assert_sshd_serving "$pid"
echo "    sshd listener pid $pid unchanged (reloaded, not restarted)"
assert_block "$WORK/sshd_config.orig"
login_password root "$gen"
login_password_fails root "$pw"
login_key root
pass

#!/bin/bash
# `make demo`: podpass for real, in a throwaway namespace with its own sshd.
# Nothing on this machine is touched: /etc, /root, /home and /run are private copies,
# the network is a private loopback, and every process ends with the demo.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter "$@"

say() { printf '\n==> %s\n' "$*"; }
show() { sed -e 's/^/    /' "$@"; }

say "You are now in a throwaway container-like sandbox: a private copy of /etc, an empty"
echo "    /root and /home, a fresh /run and its own network (only 127.0.0.1)."
echo "    Nothing you see here touches the real machine; it all vanishes at the end."

say "Like most container images, this one runs sshd for key login only."
make_client_key root
start_sshd
echo "    sshd is listening on 127.0.0.1:22 (pid $(sshd_listener_pid))."
echo "    A password login as root is refused right now:"
if try_login_password root 'any-password-at-all'; then
    fail "a password login worked before podpass ran"
fi
echo "    $(grep -m1 'Permission denied' "$WORK/ssh.err" || echo refused)"

say "Run:  pw=\$(podpass enable --generate)"
echo "    podpass sets a fresh password for root, adds its block to sshd_config,"
echo "    reloads sshd and waits for it to answer. Its messages (on stderr):"
rc=0
pw=$("$PODPASS" enable --generate </dev/null 2>"$WORK/podpass.err") || rc=$?
show "$WORK/podpass.err"
[ "$rc" = 0 ] || fail "podpass enable --generate exited $rc"
pw=$(printf '%s\n' "$pw" | head -n 1)
[ -n "$pw" ] || fail "podpass printed no password"
echo "    The generated password (stdout, alone on its line) is: $pw"
echo "    (shown here because this sandbox is thrown away; keep real ones secret)"

say "Root's managed block at the end of /etc/ssh/sshd_config:"
sed -n "/^$E2E_BEGIN_MARK\$/,/^$E2E_END_MARK\$/p" "$E2E_SSHD_CONFIG" | show
echo "    Everything below it is the file exactly as it was; 'podpass disable' removes the block."

say "Now log in with that password:  ssh root@127.0.0.1"
# shellcheck disable=SC2016 # expanded by the remote shell
if ! SSHPASS=$pw sshpass -e ssh "${e2e_ssh_opts[@]}" \
    -o PreferredAuthentications=password -o PubkeyAuthentication=no \
    -o NumberOfPasswordPrompts=1 root@127.0.0.1 'echo "    logged in as $(id -un) on $(hostname), by password"' \
    </dev/null 2>"$WORK/ssh.err"; then
    fail "the password login failed"
fi

say "And key login still works, next to it:"
login_key root

say "Done. Leaving the sandbox: sshd and everything else in it stop now."

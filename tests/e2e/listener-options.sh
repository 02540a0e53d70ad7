#!/bin/bash
# A running sshd started with options on its command line (-o), which override the
# file's global lines: podpass judges the login with every one of them, however many
# (20 here, the last one blocking), and names the option and the pid when one blocks.
#   - 19 harmless -o options and -o AllowUsers=nobody: enable refuses with exit 78,
#     naming '-o AllowUsers=nobody' and the listener's pid; nothing changes; status says
#     the same;
#   - -o PasswordAuthentication=no: the user's block (a Match section, which sshd lets
#     override the command line) turns password login on for that user only: enable
#     works, the password logs in, the listener is the same (reloaded, options kept).
# That a blocking option is named with its pid, never as "sshd's built-in default", is
# checked for PasswordAuthentication too in check_login_check.c.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter "$@"
e2e_dropins # the drop-ins below take effect (upstream sshd_config: no Include)

pw='options-Root-pw-5581'
make_client_key root
mkdir -p /run/sshd
ssh-keygen -A >/dev/null
set_password root 'options-Old-pw-5580'
# So that, for status, nothing but the command line refuses root's password.
printf 'PermitRootLogin yes\nPasswordAuthentication yes\n' >/etc/ssh/sshd_config.d/50-open.conf

harmless=(LoginGraceTime=120 MaxAuthTries=6 MaxSessions=10 ClientAliveInterval=0
    ClientAliveCountMax=3 TCPKeepAlive=yes PrintMotd=no PrintLastLog=yes X11Forwarding=no
    AllowTcpForwarding=yes AllowAgentForwarding=yes PermitTunnel=no GatewayPorts=no
    UseDNS=no PermitUserEnvironment=no StrictModes=yes IgnoreRhosts=yes
    HostbasedAuthentication=no LogLevel=INFO)
# start_with OPTION...: sshd with the harmless options and then these, as -o pairs.
start_with() {
    local o args=()
    for o in "${harmless[@]}" "$@"; do args+=(-o "$o"); done
    "$E2E_SSHD" -E "$E2E_SSHD_LOG" "${args[@]}" || fail "sshd did not start with ${args[*]}"
    wait_banner
}

step "20 -o options, the last -o AllowUsers=nobody: refused, naming it and the pid"
[ "${#harmless[@]}" = 19 ] || fail "setup: ${#harmless[@]} harmless options, want 19"
start_with AllowUsers=nobody
pid=$(sshd_listener_pid)
snapshot before
expect_exit 78 "$PODPASS" enable --password-stdin <<<"$pw"
last_stderr_has "'-o AllowUsers=nobody' on the command line of the running sshd \(pid $pid\)" ||
    fail "the message does not name -o AllowUsers=nobody and pid $pid"
assert_unchanged before
expect_exit 0 "$PODPASS" status --json
python3 - "$WORK/last.out" "$pid" <<'PY' || fail "status --json does not name the option as what blocks"
import json, sys
st = json.load(open(sys.argv[1]))
blocked = st.get("blocked_by") or ""
sys.exit(0 if "-o AllowUsers=nobody" in blocked and "pid %s" % sys.argv[2] in blocked else 1)
PY
kill "$pid"
for ((i = 0; ; i++)); do
    pgrep -x -P 1 sshd >/dev/null || break
    [ "$i" -lt 100 ] || fail "sshd (pid $pid) does not stop"
    sleep 0.1
done
rm /etc/ssh/sshd_config.d/50-open.conf

step "-o PasswordAuthentication=no: the user's block overrides it for that user only"
start_with PasswordAuthentication=no
pid=$(sshd_listener_pid)
podpass_ok enable --password-stdin <<<"$pw"
login_password root "$pw"
login_key root
same_listener "$pid" "$(sshd_listener_pid)" || fail "sshd was restarted, not reloaded (its -o options kept)"
other=$("$E2E_SSHD" -T -o PasswordAuthentication=no -C user=nobody,host=x,addr=192.0.2.1)
grep -qix 'passwordauthentication no' <<<"$other" || fail "another user's password login is no longer off"
pass

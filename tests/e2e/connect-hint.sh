#!/bin/bash
# The connect line enable prints and status shows, per platform, and the advice for a
# client that holds many keys.
#   - RunPod pod (RUNPOD_POD_ID) without RUNPOD_TCP_PORT_22: enable exits 0 and the
#     password works on the pod's network, but no "ssh root@..." line: a warning that
#     RunPod's SSH proxy takes keys only and to expose TCP port 22; status --json has
#     "connect": null and the warning in "warnings".
#   - vast.ai instance (VAST_CONTAINERLABEL) without VAST_TCP_PORT_22: the same, with a
#     warning that there is no direct port.
#   - RunPod with the public pair, vast.ai with its pair: their "ssh root@IP -p PORT".
#   - No platform: this host's line, and no warning.
#   - A client with more keys than sshd's MaxAuthTries: a plain password login is cut off
#     with "Too many authentication failures"; with the option the closing lines name
#     (-o PreferredAuthentications=password) it logs in.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter "$@"
command -v python3 >/dev/null 2>&1 || fail "required tool missing: python3 (to parse the JSON)"

pw='connect-Hint-pw-7301'
pwfile=$WORK/password
(umask 077 && printf '%s\n' "$pw" >"$pwfile")
runpod=(RUNPOD_POD_ID=hint7test RUNPOD_GPU_COUNT=1)
vast=(VAST_CONTAINERLABEL=C.4711 CONTAINER_ID=4711 PUBLIC_IPADDR=198.51.100.9)

enable_with() { # NAME=VALUE...: enable with these variables, expecting exit 0
    expect_exit 0 env "$@" "$PODPASS" enable --password-file "$pwfile"
}
status_json_with() { # NAME=VALUE...
    expect_exit 0 env "$@" "$PODPASS" status --json
}
no_connect_line() {
    if grep -Eq 'connect: |ssh root@(<this host>|[0-9])' "$WORK/last.err"; then
        fail "an ssh command line is printed where no address reaches sshd: $(grep -E 'connect: |ssh root@' "$WORK/last.err")"
    fi
}
# json_connect WANT WARNING_ERE: "connect" is WANT (JSON), one warning matches the ERE (or
# none may be there when it is empty)
json_connect() {
    local err
    err=$(python3 - "$WORK/last.out" "$1" "$2" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
want, pat = json.loads(sys.argv[2]), sys.argv[3]
if d.get("connect", "<missing>") != want:
    print("connect: got %s, want %s" % (json.dumps(d.get("connect")), json.dumps(want)))
    sys.exit(1)
hits = [w for w in d["warnings"] if pat and re.search(pat, w, re.I)]
if pat and not hits:
    print("no warning matches %r: %s" % (pat, d["warnings"]))
    sys.exit(1)
if not pat and any(re.search("runpod|vast", w, re.I) for w in d["warnings"]):
    print("a platform warning without a platform: %s" % d["warnings"])
    sys.exit(1)
PY
) || fail "status --json: $err"
}

step "no platform: this host's line, no warning"
enable_with LC_ALL=C
last_stderr_has 'connect: ssh root@.+ -p 22$' || fail "no connect line for this host"
! last_stderr_has 'runpod|vast' || fail "a platform is named without one"
status_json_with LC_ALL=C
json_connect '"ssh root@<this host> -p 22"' ''
login_password root "$pw"

step "RunPod, port 22 not exposed as TCP: a warning, no connect line, exit 0"
enable_with "${runpod[@]}"
no_connect_line
last_stderr_has "warning: .*RunPod's SSH proxy .*keys only" || fail "no warning about RunPod's key-only proxy"
last_stderr_has 'expose TCP port 22 in the template or the pod' || fail "the warning does not say to expose TCP port 22"
last_stderr_has 'public IP on the port mapped to 22' || fail "the warning does not say where to connect then"
login_password root "$pw"
echo "    exit 0, and the password works on the pod's own network"
status_json_with "${runpod[@]}"
json_connect null "RunPod's SSH proxy"
expect_exit 0 env "${runpod[@]}" "$PODPASS" status
grep -q '^connect: .*no address reaches sshd' "$WORK/last.out" || fail "human status: no 'connect' line saying there is none"
grep -q "^warning: .*RunPod" "$WORK/last.out" || fail "human status: no RunPod warning"

step "RunPod, an empty RUNPOD_TCP_PORT_22: the same"
status_json_with "${runpod[@]}" RUNPOD_PUBLIC_IP=203.0.113.7 RUNPOD_TCP_PORT_22=
json_connect null "RunPod's SSH proxy"

step "RunPod with TCP port 22 exposed: its public address"
enable_with "${runpod[@]}" RUNPOD_PUBLIC_IP=203.0.113.7 RUNPOD_TCP_PORT_22=40022
last_stderr_has 'connect: ssh root@203\.0\.113\.7 -p 40022$' || fail "no RunPod connect line"
! last_stderr_has 'warning: .*runpod' || fail "a RunPod warning with the port exposed"
status_json_with "${runpod[@]}" RUNPOD_PUBLIC_IP=203.0.113.7 RUNPOD_TCP_PORT_22=40022
json_connect '"ssh root@203.0.113.7 -p 40022"' ''

step "vast.ai without a direct port: a warning, no connect line, exit 0"
enable_with "${vast[@]}"
no_connect_line
last_stderr_has 'warning: .*vast\.ai instance has no direct port' || fail "no warning about vast.ai's missing direct port"
last_stderr_has '-p 22:22' || fail "the vast.ai warning does not say how to get a direct port"
status_json_with "${vast[@]}"
json_connect null 'vast\.ai instance has no direct port'

step "vast.ai with a direct port: its public address"
status_json_with "${vast[@]}" VAST_TCP_PORT_22=41022
json_connect '"ssh root@198.51.100.9 -p 41022"' ''

step "a client with many keys: cut off without the option, in with it"
enable_with LC_ALL=C
opt=$(sed -n 's/.*Too many authentication failures.*add \(-o [A-Za-z]*=[a-z]*\).*/\1/p' "$WORK/last.err")
[ "$opt" = "-o PreferredAuthentications=password" ] ||
    fail "the closing lines do not say to add -o PreferredAuthentications=password for many keys"
mkdir -p "$WORK/many"
ids=()
for i in 1 2 3 4 5 6 7; do
    ssh-keygen -q -t ed25519 -N '' -C "many-$i" -f "$WORK/many/k$i"
    ids+=(-i "$WORK/many/k$i")
done
many_keys_login() { # extra ssh options...: a password login offering seven unknown keys
    local rc=0
    SSHPASS=$pw sshpass -e ssh "${e2e_ssh_opts[@]}" "${ids[@]}" -o IdentitiesOnly=yes -o IdentityAgent=none \
        -o KbdInteractiveAuthentication=no -o NumberOfPasswordPrompts=1 "$@" \
        root@127.0.0.1 "echo $E2E_MARKER; id -un" </dev/null >"$WORK/ssh.out" 2>"$WORK/ssh.err" || rc=$?
    E2E_SSH_RC=$rc
    [ "$rc" = 0 ] && e2e_check_login_output root "$WORK/ssh.out"
}
if many_keys_login; then fail "setup: seven keys did not exhaust MaxAuthTries"; fi
grep -q 'Too many authentication failures' "$WORK/ssh.err" ||
    fail "setup: the many-keys login failed otherwise (exit $E2E_SSH_RC): $(tr '\n' ' ' <"$WORK/ssh.err")"
echo "    without the option: Too many authentication failures"
# shellcheck disable=SC2086 # the option as printed: two words
many_keys_login $opt || fail "with $opt the many-keys login failed (exit $E2E_SSH_RC)"
echo "    with $opt: password login as root: ok"
pass

#!/bin/bash
# A Match section that depends on the client and refuses the password: podpass judges
# sshd's settings for one client (203.0.113.1), so `Match Address 127.0.0.0/8` with
# `PasswordAuthentication no` does not block enable (exit 0), but enable warns, naming
# the file and the lines (as they are after the change), and so do `status` and
# `status --json` (its warnings array).
# The warning matters: a password login from 127.0.0.1 is indeed refused. Seven such
# sections give seven warnings (none is dropped).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter "$@"
e2e_dropins # the drop-ins below take effect (upstream sshd_config: no Include)
command -v python3 >/dev/null 2>&1 || fail "required tool missing: python3 (to parse the JSON)"

pw='client-Match-pw-7730'
make_client_key root
printf '\n# keys only from loopback\nMatch Address 127.0.0.0/8\n    PasswordAuthentication no\n' \
    >>"$E2E_SSHD_CONFIG"
start_sshd

# lines: the line numbers of the Match line and of the setting in sshd_config now.
lines() {
    mline=$(grep -nx 'Match Address 127.0.0.0/8' "$E2E_SSHD_CONFIG" | cut -d: -f1)
    sline=$((mline + 1))
    [ "$(sed -n "${sline}p" "$E2E_SSHD_CONFIG")" = '    PasswordAuthentication no' ] ||
        fail "line $sline of $E2E_SSHD_CONFIG is not the setting"
}

step "enable: exit 0, with a warning naming the file, the lines and the Match"
podpass_ok enable --password-stdin <<<"$pw"
grep -i 'warning' "$WORK/last.err" | grep -F "Match Address 127.0.0.0/8" |
    grep -F "PasswordAuthentication no" | grep -Fq "$E2E_SSHD_CONFIG:" ||
    fail "enable gave no warning naming $E2E_SSHD_CONFIG and 'Match Address 127.0.0.0/8'"
grep -i 'warning' "$WORK/last.err" | sed -e 's/^/    | /'
lines
grep -i 'warning' "$WORK/last.err" | grep -F "$E2E_SSHD_CONFIG:$sline:" |
    grep -Fq "($E2E_SSHD_CONFIG:$mline)" ||
    fail "enable's warning does not name lines $sline and $mline of $E2E_SSHD_CONFIG as it is now"

step "status --json: the warning in its warnings array, with the file and lines"
podpass_ok status --json
python3 - "$WORK/last.out" "$E2E_SSHD_CONFIG:$sline:" "($E2E_SSHD_CONFIG:$mline)" <<'PY' ||
import json, sys
d = json.load(open(sys.argv[1]))
w = [x for x in d["warnings"] if sys.argv[2] in x and sys.argv[3] in x and "Match Address 127.0.0.0/8" in x]
sys.exit(0 if d["password_login"] is True and len(w) == 1 else 1)
PY
    fail "status --json: no warning naming $E2E_SSHD_CONFIG:$sline and :$mline (or password_login is not true)"

step "status: the same warning"
podpass_ok status
grep '^warning:' "$WORK/last.out" | grep -Fq "$E2E_SSHD_CONFIG:$sline:" ||
    fail "status shows no warning naming $E2E_SSHD_CONFIG:$sline"

step "the warning is right: a password login from 127.0.0.1 is refused"
login_password_fails root "$pw"
login_key root

step "seven such sections in a drop-in: status --json lists all seven warnings"
for i in 1 2 3 4 5 6 7; do
    printf 'Match Address 198.51.100.%d\n    PasswordAuthentication no\n' "$i"
done >/etc/ssh/sshd_config.d/40-many.conf
podpass_ok status --json
python3 - "$WORK/last.out" <<'PY' || fail "status --json does not list a warning for each of the seven sections"
import json, sys
d = json.load(open(sys.argv[1]))
hits = {a for a in range(1, 8) for x in d["warnings"] if "198.51.100.%d" % a in x}
sys.exit(0 if len(hits) == 7 else 1)
PY
pass

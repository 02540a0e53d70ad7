#!/bin/bash
# status --json: one JSON object with the documented keys and types. Before enable (root
# without a password, stock config, sshd not running): no password, no block, no sshd,
# no password login. After enable: password set, password authentication on,
# PermitRootLogin yes, block present, sshd running with the listener's pid, password
# login possible; for alice, who has no block of her own, the block is absent. Never a
# hash in the output; status changes nothing. The human form names the user and says the
# block is "present".
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter "$@"
command -v python3 >/dev/null 2>&1 || fail "required tool missing: python3 (to parse the JSON)"

pw='status-Json-pw-6112'
make_client_key root
rmdir /home/alice 2>/dev/null || true # an empty stand-in when the host has one
useradd -m -s /bin/bash alice

# json_expect KEY=JSONVALUE...: the object in $WORK/last.out has exactly these values
# (and JSON types: true is not 1); every documented key must be there.
json_expect() {
    local err
    err=$(python3 - "$WORK/last.out" "$@" <<'PY'
import json, sys
try:
    with open(sys.argv[1]) as f:
        d = json.load(f)
except ValueError as e:
    print("stdout is not one JSON value: %s" % e)
    sys.exit(1)
if not isinstance(d, dict):
    print("stdout is not a JSON object")
    sys.exit(1)
keys = ("user password_set password_authentication pubkey_authentication "
        "permit_root_login authentication_methods sshd_running sshd_pid listen "
        "managed_block password_login blocked_by warnings connect").split()
bad = [k for k in keys if k not in d]
if bad:
    print("missing keys: %s" % " ".join(bad))
for k in ("password_set", "password_authentication", "pubkey_authentication",
          "sshd_running", "managed_block", "password_login"):
    if k in d and not isinstance(d[k], bool):
        bad.append(k)
        print("%s is not a JSON boolean: %r" % (k, d[k]))
for a in sys.argv[2:]:
    k, v = a.split("=", 1)
    want = json.loads(v)
    got = d.get(k, "<missing>")
    if got != want or type(got) is not type(want):
        bad.append(k)
        print("%s: got %s, want %s" % (k, json.dumps(got), json.dumps(want)))
sys.exit(1 if bad else 0)
PY
) || fail "status --json: $(printf '%s' "$err" | tr '\n' ';')"
}

no_hash_in_output() {
    if grep -Eq '[$](y|6|5|2[aby]|7|gy|sha1|md5)[$]' "$WORK/last.out" "$WORK/last.err"; then
        fail "status printed something that looks like a crypt hash"
    fi
    if grep -Fq -- "$pw" "$WORK/last.out" "$WORK/last.err"; then
        fail "status printed the password"
    fi
}

step "status --json before enable, sshd not running"
assert_no_sshd
snapshot before
podpass_ok status --json
json_expect user='"root"' password_set=false managed_block=false sshd_running=false \
    sshd_pid=null password_login=false
assert_unchanged before
assert_no_sshd
[ ! -e /run/sshd ] || fail "status created /run/sshd"
no_hash_in_output

step "enable"
podpass_ok enable --password-stdin <<<"$pw"
pid=$(sshd_listener_pid)
case $(shadow_field root) in
'$'*) ;;
*) fail "setup: root has no crypt hash after enable" ;;
esac

step "status --json after enable"
snapshot after
podpass_ok status --json
json_expect user='"root"' password_set=true password_authentication=true \
    pubkey_authentication=true permit_root_login='"yes"' authentication_methods='"password publickey"' \
    managed_block=true sshd_running=true sshd_pid="$pid" password_login=true \
    blocked_by=null
no_hash_in_output
assert_unchanged after
assert_sshd_serving "$pid"

step "status -u alice --json: root's block is not hers"
podpass_ok status -u alice --json
json_expect user='"alice"' managed_block=false password_login=false
no_hash_in_output
assert_unchanged after

step "human status"
podpass_ok status
grep -qw root "$WORK/last.out" || fail "human status does not name the user root"
grep -qw present "$WORK/last.out" || fail "human status does not say the block is 'present'"
no_hash_in_output
assert_unchanged after
login_password root "$pw"
pass

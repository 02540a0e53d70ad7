#!/bin/bash
# The user boundary, the key file flipped with a symlink: alice exchanges her
# ~/.ssh/authorized_keys and a symlink to /etc/passwd in a tight renameat2(RENAME_EXCHANGE)
# loop (python3 with ctypes), while podpass adds a key for her, 120 times (--restart none
# and a ready hash, --encrypted, so the loop is quick). podpass opens her file without following links, with her rights,
# so it never reads /etc/passwd as her key file nor writes it: /etc/passwd and everything
# else under /etc and /root stay as they were, no file is left behind, and every run ends
# with exit 0 (the key added, or skipped with a warning) or, when the file changed under
# it between the write and the check, 75 with everything rolled back.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter "$@"

command -v setpriv >/dev/null 2>&1 || fail "setpriv (util-linux) is needed"
py=$(PATH=/usr/local/bin:/usr/bin:/bin command -v python3) || fail "python3 is needed"
case $(uname -m) in
x86_64) nr=316 ;;
aarch64) nr=276 ;;
*) fail "renameat2's syscall number on $(uname -m) is not known to this test" ;;
esac
pw='keys-Flip-alice-pw-6620'
runs=120
rmdir /home/alice 2>/dev/null || true # an empty stand-in when the host has a /home/alice
useradd -m -s /bin/bash alice
home=$(user_home alice)
make_client_key alice
as_user alice ln -s /etc/passwd "$home/.ssh/flip"

hash=$(make_hash "$pw")

step "enable -u alice once, plainly"
podpass_ok enable -u alice --restart none --encrypted --password-stdin <<<"$hash"
outside_snapshot start
passwd_before=$(stat -c '%U:%G %a %i' /etc/passwd)$(sha256sum </etc/passwd)

# The flipper: exchange the two names for ever; when a write of podpass replaced the
# symlink, put a new one in place of the other name.
# shellcheck disable=SC2016 # python code
flipper='
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
nr, a, b, ready = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
open(ready, "w").write("flipping\n")
n = 0
while True:
    if libc.syscall(nr, -100, a.encode(), -100, b.encode(), 2) != 0:
        sys.exit("renameat2: " + os.strerror(ctypes.get_errno()))
    n += 1
    if n % 64 == 0 and not os.path.islink(a) and not os.path.islink(b):
        os.symlink("/etc/passwd", b + ".new")
        os.rename(b + ".new", b)
'

step "alice flips authorized_keys and a symlink to /etc/passwd; podpass runs $runs times"
rm -f "$home/ready"
as_user alice "$py" -c "$flipper" "$nr" "$home/.ssh/authorized_keys" "$home/.ssh/flip" \
    "$home/ready" &
flipper_pid=$!
wait_file_has "$home/ready" flipping
rm -f "$WORK/keys/fresh" "$WORK/keys/fresh.pub"
ssh-keygen -q -t ed25519 -N '' -C e2e-flip -f "$WORK/keys/fresh"
key=$(cat "$WORK/keys/fresh.pub")
declare -A outcomes=()
for ((i = 1; i <= runs; i++)); do
    rc=0
    PUBLIC_KEY=$key timeout -s KILL 60 "$PODPASS" enable -u alice --restart none \
        --encrypted --password-stdin <<<"$hash" >"$WORK/last.out" 2>"$WORK/last.err" || rc=$?
    kill -0 "$flipper_pid" 2>/dev/null || fail "the flipper stopped"
    now=$(stat -c '%U:%G %a %i' /etc/passwd)$(sha256sum </etc/passwd)
    [ "$now" = "$passwd_before" ] || fail "run $i: /etc/passwd changed ($(stat -c '%U:%G %a' /etc/passwd)); podpass exited $rc"
    left=$(find "$home" -name '*.podpass-*')
    [ -z "$left" ] || fail "run $i (exit $rc) left $left behind: $(tr '\n' ' ' <"$WORK/last.err")"
    case $rc in
    0 | 75) ;;
    137) fail "run $i: podpass hung (killed after 60 s)" ;;
    *) fail "run $i: podpass exited $rc: $(tail -n 2 "$WORK/last.err")" ;;
    esac
    if [ "$rc" = 0 ] && grep -q 'not added\|skipped' "$WORK/last.err"; then rc=skipped; fi
    outcomes[$rc]=$((${outcomes[$rc]:-0} + 1))
done
kill "$flipper_pid"
wait "$flipper_pid" 2>/dev/null || true
echo "    outcomes over $runs runs (exit code: count): $(for k in "${!outcomes[@]}"; do printf '%s: %s  ' "$k" "${outcomes[$k]}"; done)"

step "nothing outside alice's ~/.ssh changed, nothing left behind"
assert_outside_unchanged start
assert_no_podpass_leftovers
grep -q '^root:x:0:0:' /etc/passwd || fail "root's line in /etc/passwd is gone"
pass

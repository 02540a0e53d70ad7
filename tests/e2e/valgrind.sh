#!/bin/bash
# Valgrind memcheck over podpass's main paths, for real, in the e2e namespace: enable
# (password on stdin with sshd stopped, --generate and --encrypted with sshd running,
# --dry-run, PUBLIC_KEY with no key and with one), status and status --json, disable and
# disable --lock-password, and refused runs (exit 78 for a Match block, 64, 65). Any
# memcheck error or definitely/indirectly lost block fails it, and so does a wrong exit
# code.
#
# Not part of make check (memcheck makes each run take seconds): `make check-valgrind`
# runs it, with PODPASS and E2E_DIR set as for make check.
#
# Only podpass itself runs under memcheck (--trace-children=no): the sshd, ssh-keygen
# and systemctl it execs are not our code, would be far too slow to answer the banner
# wait under valgrind, and sshd re-executes itself and forks for every connection. What a
# forked child does before its execve is still podpass's code and stays under memcheck,
# with its own log (%p), which is checked too.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter "$@"

command -v "${VALGRIND:-valgrind}" >/dev/null 2>&1 || fail "valgrind not found (the valgrind package)"

vg_logs=$WORK/valgrind
vg_runs=0
vg_opts=(--tool=memcheck --quiet --trace-children=no --vgdb=no
    --leak-check=full --show-leak-kinds=definite,indirect
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99
    --track-origins=yes --num-callers=30)

# vg_expect CODE ARGS...: run podpass ARGS under memcheck (stdin as given); fail when a
# memcheck log of the run (podpass or a forked child) is not empty, then unless podpass
# exits with CODE. Output in $WORK/last.out and last.err, as expect_exit keeps them.
vg_expect() {
    local want=$1 rc=0 dir log bad=
    shift
    vg_runs=$((vg_runs + 1))
    dir=$vg_logs/$vg_runs
    mkdir -p "$dir"
    E2E_LAST_CMD="valgrind podpass $*"
    "${VALGRIND:-valgrind}" "${vg_opts[@]}" --log-file="$dir/%p.log" "$PODPASS" "$@" \
        >"$WORK/last.out" 2>"$WORK/last.err" || rc=$?
    E2E_LAST_RC=$rc
    # --quiet: a log holds only errors and leak records.
    for log in "$dir"/*.log; do
        [ -s "$log" ] || continue
        echo "    memcheck report for: podpass $* ($(basename "$log"))" >&2
        sed -e 's/^/      | /' "$log" >&2
        bad=1
    done
    [ -z "$bad" ] || fail "memcheck found errors or leaks in: podpass $* (exit $rc; report above)"
    [ "$rc" != 99 ] || fail "memcheck exit code 99 from: podpass $* without a report"
    [ "$rc" = "$want" ] || fail "expected exit $want from: podpass $* under valgrind, got $rc"
    echo "    memcheck clean: podpass $* (exit $rc)"
}

pw='valgrind-Main-pw-7310'
make_client_key root
cp "$E2E_SSHD_CONFIG" "$WORK/sshd_config.stock"
assert_no_sshd

step "status and status --json, nothing set up yet"
vg_expect 0 status
vg_expect 0 status --json
python3 -c 'import json,sys; json.load(sys.stdin)' <"$WORK/last.out" ||
    fail "status --json did not print valid JSON under valgrind"

step "enable --dry-run changes nothing"
snapshot dry
vg_expect 0 enable --dry-run --password-stdin <<<"$pw"
assert_unchanged dry

step "enable --password-stdin, sshd stopped: podpass starts it (PUBLIC_KEY=null: no key)"
PUBLIC_KEY=null vg_expect 0 enable --password-stdin <<<"$pw"
wait_banner
login_password root "$pw"
pid=$(sshd_listener_pid)

step "enable --generate, sshd running: SIGHUP reload"
vg_expect 0 enable --generate </dev/null
gen=$(head -n 1 "$WORK/last.out")
[ -n "$gen" ] || fail "--generate printed no password"
assert_sshd_serving "$pid"
login_password root "$gen"

step "enable --encrypted, with a key in PUBLIC_KEY"
hash=$(make_hash "$pw")
ssh-keygen -q -t ed25519 -N '' -C e2e-valgrind -f "$WORK/keys/id_extra"
PUBLIC_KEY=$(cat "$WORK/keys/id_extra.pub") vg_expect 0 enable --encrypted --password-stdin <<<"$hash"
[ "$(shadow_field root)" = "$hash" ] || fail "--encrypted: /etc/shadow does not hold the given hash"
grep -qF -- "$(cut -d' ' -f2 "$WORK/keys/id_extra.pub")" /root/.ssh/authorized_keys ||
    fail "PUBLIC_KEY was not added to authorized_keys"
login_password root "$pw"

step "status --json with the block in place"
vg_expect 0 status --json
grep -q '"managed_block": *true' "$WORK/last.out" || fail "status --json does not report the block"

step "refused runs: bad usage (64), a malformed hash (65), a Match block (78)"
snapshot refused
vg_expect 64 enable --bogus --password-stdin <<<"$pw"
vg_expect 65 enable --encrypted --password-stdin <<<'$6$e2esalt1$'
assert_unchanged refused
printf 'Match User root\n    PasswordAuthentication no\n' >/etc/ssh/sshd_config.d/60-match-root.conf
snapshot match
vg_expect 78 enable --password-stdin <<<"$pw"
assert_unchanged match
rm -f /etc/ssh/sshd_config.d/60-match-root.conf

step "disable, then disable --lock-password"
vg_expect 0 disable
cmp -s "$E2E_SSHD_CONFIG" "$WORK/sshd_config.stock" || fail "disable did not give back the original sshd_config"
assert_sshd_serving "$pid"
login_password_fails root "$pw"
vg_expect 0 enable --restart none --password-stdin <<<"$pw"
vg_expect 0 disable --lock-password
[ "$(shadow_field root)" = '*' ] || fail "disable --lock-password did not store '*'"
login_key root

echo "    $vg_runs podpass runs under memcheck, all clean"
pass

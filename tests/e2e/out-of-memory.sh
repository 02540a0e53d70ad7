#!/bin/bash
# Out of memory during enable's commit: one allocation fails (tests/enomem.c, preloaded
# into podpass), at points spread from the journal's write to the end of the run.
# fatal() must roll back a change under way and remove what podpass made, as a failed
# step does; a failure that podpass handles as an error must end the same way. After
# each run:
#   - the exit is 0 (and the new password logs in) or not 0, and then every file is as
#     before and sshd serves the old settings (publickey only); fatal() during the
#     commit aborts (134, as the signal it is) after the rollback, and fatal() once the
#     change is whole exits 0 saying so;
#   - nothing is left: no journal, no *.podpass-* beside the files, no work directory;
#   - podpass status finds nothing a killed run left (the rollback was whole), and
#     podpass enable then works. The machine's /tmp is shared with the tests that run
#     beside this one, and a run they kill leaves its work directory there for the next
#     podpass (in any namespace) to remove: status may say so, and once it is made to
#     (a dead run's work directory put there first), without that counting as this
#     run's leftover.
# States: sshd running, root with a password; sshd stopped (podpass starts it, the
# rollback stops it); alice with a key imported from PUBLIC_KEY (her authorized_keys is
# written, and put back, by a helper process with her rights).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
ENOMEM_SHIM=${ENOMEM_SHIM:-$(dirname "$PODPASS")/../tests/enomem.so}
if [ "${E2E_INSIDE:-}" != 1 ] && [ "$(id -u)" = 0 ] && [ ! -f "$ENOMEM_SHIM" ]; then
    echo "FAIL $e2e_name: $ENOMEM_SHIM is missing (make check builds it)" >&2
    exit 1
fi
e2e_enter "$@"

pw_old='oom-Old-root-pw-5511'
pw_new='oom-New-root-pw-5512'
SAMPLES=${OOM_SAMPLES:-2}

case $(LD_PRELOAD=$ENOMEM_SHIM ENOMEM_REPORT=$WORK/probe "$PODPASS" --version 2>&1 >/dev/null; cat "$WORK/probe" 2>/dev/null) in
commit*) ;;
*) fail "the allocation library does not load into $PODPASS (a static binary?)" ;;
esac

kept_setup oom

# reset STATE: the saved files back, sshd serving them (or stopped, for "stopped").
reset() {
    kept_restore "$1"
    if [ "$1" = stopped ]; then
        stop_sshd
        return
    fi
    if pgrep -x -P 1 sshd >/dev/null; then kill -HUP "$(sshd_listener_pid)"; else start_sshd; fi
    wait_old_settings
}

# leftovers: what no run may leave (the work directories the library saw the run
# make; other tests may make theirs in the same /tmp meanwhile).
leftovers() {
    local d
    podpass_leftovers
    sed -n 's/^mkdtemp //p' "$WORK/report" | while read -r d; do [ ! -e "$d" ] || echo "$d"; done
}

# said_killed: what status said a killed run left, but for the work directories it
# removed from the machine's /tmp or /var/tmp (this run's are checked by leftovers).
said_killed() {
    grep -i 'killed' "$WORK/last.err" | grep -Ev \
        '^podpass: warning: removed (/var)?/tmp/podpass\.[^/ ]{6}, left by a podpass run that was killed$' ||
        true
}

enable_args() { if [ "$1" = alice ]; then echo "-u alice"; fi; }
user_of() { if [ "$1" = alice ]; then echo alice; else echo root; fi; }

# run_enable STATE EVENT:N: enable under the library, allocation N from EVENT (commit:
# the journal's write; whole: its removal) failing (0: none). (An inner shell reports
# an abort into last.err.)
run_enable() {
    local args
    read -r -a args <<<"$(enable_args "$1")"
    rm -f "$WORK/report"
    E2E_LAST_CMD="podpass enable ${args[*]} (allocation $2 failing)"
    E2E_LAST_RC=0
    # shellcheck disable=SC2016 # the inner shell's code
    ENOMEM_SHIM=$ENOMEM_SHIM ENOMEM_FROM=${2%%:*} ENOMEM_AT=${2#*:} ENOMEM_REPORT=$WORK/report \
        bash -c 'LD_PRELOAD=$ENOMEM_SHIM "$@"; exit $?' _ "$PODPASS" enable "${args[@]}" --password-stdin <<<"$pw_new" \
        >"$WORK/last.out" 2>"$WORK/last.err" || E2E_LAST_RC=$?
}

start_sshd
runs=0 fatal=0 late=0 missed=0 undone=0 whole=0 errors=0
kept_save pristine
for state in running stopped alice; do
    kept_restore pristine
    set_password root "$pw_old"
    set_password alice "$pw_old"
    kept_save "$state"
    reset "$state"
    user=$(user_of "$state")
    export PUBLIC_KEY
    if [ "$state" = alice ]; then PUBLIC_KEY=$(cat "$WORK/import.pub"); else PUBLIC_KEY=; fi
    step "$state: a run without a failure, to count the allocations of the commit"
    run_enable "$state" commit:0
    [ "$E2E_LAST_RC" = 0 ] || fail "$state: the run without a failure failed"
    count=$(sed -n 's/^commit \([0-9]*\)$/\1/p' "$WORK/report")
    after=$(sed -n 's/^whole \([0-9]*\)$/\1/p' "$WORK/report")
    [ "${count:-0}" -gt 0 ] || fail "$state: no allocation counted after the journal's write"
    [ "${after:-0}" -gt 0 ] || fail "$state: no allocation counted after the journal's removal"
    grep -q '^mkdtemp /' "$WORK/report" || fail "$state: the library saw no work directory made"
    # From the journal's write: a few, then spread over the commit. From its removal
    # (the change is whole; the report is still to print), the first and the last few.
    # A run may allocate a little less than the counted one (it waits for sshd a
    # different number of times): a point past its end fails nothing, and then the run
    # must end as a clean run does.
    points=(commit:1 commit:3 commit:8)
    every=$(((count - after + SAMPLES - 1) / SAMPLES))
    for ((n = 13; n <= count - after; n += every)); do points+=("commit:$n"); done
    for n in 1 $((after / 2)) $((after - 2)); do points+=("whole:$n"); done
    step "$state: allocation N failing (of $count after the journal's write, $after after" \
        "its removal), N in ${points[*]}"
    for n in "${points[@]}"; do
        reset "$state"
        label="$state: allocation $n failing"
        run_enable "$state" "$n"
        rc=$E2E_LAST_RC
        if ! grep -q '^failed' "$WORK/report"; then
            [ "$rc" = 0 ] || fail "$label: this run made no failure, yet it failed"
            missed=$((missed + 1))
        fi
        if last_stderr_has '^podpass: fatal: '; then
            fatal=$((fatal + 1))
            if [ "$rc" = 0 ]; then
                last_stderr_has 'the change was whole before this error, and it stays' ||
                    fail "$label: fatal() and exit 0, without saying that the change was whole"
                late=$((late + 1))
            else
                [ "$rc" = 134 ] || fail "$label: fatal(), then exit $rc (not 134, an abort)"
            fi
        elif [ "$rc" != 0 ]; then
            errors=$((errors + 1))
        fi
        left=$(leftovers)
        [ -z "$left" ] || fail "$label: exit $rc, and left: $(echo "$left" | tr '\n' ' ')"
        if [ "$rc" = 0 ]; then
            login_password "$user" "$pw_new" >/dev/null
            whole=$((whole + 1))
        else
            kept_same "$state" || fail "$label: exit $rc, but the files are not as before"
            if [ "$state" = stopped ]; then
                assert_no_sshd
            else
                [ "$(offered_methods)" = publickey ] ||
                    fail "$label: exit $rc, files as before, but sshd offers $(offered_methods)"
            fi
            undone=$((undone + 1))
        fi
        E2E_LAST_CMD="podpass status (after $label)"
        planted=
        if [ "$runs" = 0 ]; then planted=$(mktemp -d /tmp/podpass.XXXXXX); fi
        expect_exit 0 "$PODPASS" status -u "$user"
        [ -z "$(said_killed)" ] ||
            fail "$label: status found what a killed run left: the rollback was not whole"
        [ -z "$planted" ] || [ ! -e "$planted" ] ||
            fail "$label: status left a dead run's work directory, $planted"
        read -r -a args <<<"$(enable_args "$state")"
        podpass_ok enable "${args[@]}" --password-stdin <<<"$pw_new"
        login_password "$user" "$pw_new" >/dev/null
        runs=$((runs + 1))
    done
done
echo "    $runs runs: $fatal ended by fatal() ($late once the change was whole), $errors by" \
    "an error, $missed past the run's end; $undone left as before, $whole whole"
[ "$fatal" -gt "$late" ] || fail "no run ended in fatal() during the commit: the test did not test it"
[ "$late" -gt 0 ] || fail "no run ended in fatal() after the commit: the test did not test it"
[ "$undone" -gt 0 ] || fail "no run was rolled back"
pass

#!/bin/bash
# shellcheck disable=SC2016 # crypt(5) hashes are written with a literal $
# Bad input, one check per entry of podpass(8)'s DIAGNOSTICS: user names, hashes,
# passwords, password files, options (also one the command does not take), a password
# on the command line, not root, a broken sshd_config (missing, a directory, a dangling
# symlink, binary, 100k lines of garbage),
# a missing /etc/shadow or entry, a read-only /etc. Each is refused with its sysexits.h
# code and an error that names the problem (the file and line where there is one), never
# repeats the secret given, and leaves every file, /tmp, /run and the running sshd (same
# listener, no reload) as they were. A valid 100k-line sshd_config works.
#
# Checks marked "Regression" are of defects these tests found in podpass and that were
# fixed; their comments describe what podpass used to do.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter "$@"

cfg=$E2E_SSHD_CONFIG
pw='bad-Input-pw-6203' # a valid password, for the rows where something else is wrong
cp -p "$cfg" "$WORK/sshd_config.orig"
command -v setpriv >/dev/null 2>&1 || fail "setpriv(1) (util-linux) is needed for the not-root row"

# The binary under test, copied where user nobody can run it (the e2e temp dir is 0700)
# and where the private /tmp below cannot hide it.
mkdir -m 0755 /run/bad-input-bin
install -m 0755 "$PODPASS" /run/bad-input-bin/podpass
PODPASS=/run/bad-input-bin/podpass

# A private /tmp: podpass makes its work directory there, and one it left behind must
# show, without other tests' files in the way. Our own $E2E_TMP stays at its path.
private_tmp() {
    local host=/run/bad-input-host-tmp
    mkdir "$host"
    mount --bind /tmp "$host"
    mount -t tmpfs -o mode=1777 bad-input-tmp /tmp
    case $E2E_TMP in
    /tmp/?*)
        mkdir -p "$E2E_TMP"
        mount --bind "$host/${E2E_TMP#/tmp/}" "$E2E_TMP"
        ;;
    esac
    umount "$host"
    rmdir "$host"
}
private_tmp

start_sshd
pid=$(sshd_listener_pid)

# ---------------------------------------------------------------- helpers

# What else must not change: names in /tmp (podpass's work dir) and /run, the sshd
# listener, its pid file, and how often it was reloaded.
extra_state() {
    find /tmp /run -mindepth 1 -maxdepth 1 -printf 'name %p\n' | sort
    echo "sshd listener $(sshd_listener_pid)"
    echo "sshd pidfile $(cat /run/sshd.pid 2>/dev/null || echo none)"
    echo "sshd reloads $(grep -c 'Received SIGHUP' "$E2E_SSHD_LOG" || true)"
}

take_snapshot() {
    snapshot row
    extra_state >"$WORK/extra.row"
}

all_unchanged() {
    assert_unchanged row
    extra_state >"$WORK/extra.now"
    if ! diff -u "$WORK/extra.row" "$WORK/extra.now" >"$WORK/extra.diff"; then
        sed -e 's/^/      /' "$WORK/extra.diff" >&2
        fail "/tmp, /run or the sshd listener changed (diff above)"
    fi
    banner_now || fail "sshd no longer answers on 127.0.0.1:22"
}

# message_has PHRASE: an error line, and PHRASE (a fixed string, any case) on stderr.
message_has() {
    grep -q '^podpass: error: ' "$WORK/last.err" || fail "no 'podpass: error:' line on stderr"
    grep -aFqi -- "$1" "$WORK/last.err" || fail "stderr does not say: $1"
}

no_secret() { # SECRET: in neither stdout nor stderr
    if grep -aFq -- "$1" "$WORK/last.out" "$WORK/last.err"; then
        fail "the secret given ($1) was repeated on stdout or stderr"
    fi
}

# refuse CODE PHRASE SECRET CMD...: CMD (stdin as given) exits CODE with PHRASE in an
# error, SECRET (unless empty) never appears, and nothing changed.
refuse() {
    local code=$1 phrase=$2 secret=$3
    shift 3
    take_snapshot
    expect_exit "$code" "$@"
    message_has "$phrase"
    [ -z "$secret" ] || no_secret "$secret"
    all_unchanged
}

# bug NAME: the check of a defect podpass once had (its comment says which); always run.
bug() {
    step "regression check $1"
    return 0
}

restore_config() {
    rm -rf -- "$cfg"
    cp -p "$WORK/sshd_config.orig" "$cfg"
}

# A distinctive string of N bytes.
long_string() { # N
    local s='' chunk i=1
    while [ "${#s}" -lt "$1" ]; do
        printf -v chunk 'Long-pw-%04d-' "$i"
        s+=$chunk
        i=$((i + 1))
    done
    printf '%s' "${s:0:$1}"
}

# ---------------------------------------------------------------- user names

step "user name with ':'"
refuse 64 "the user name contains ':'" "$pw" "$PODPASS" enable -u 'bad:name' --password-stdin <<<"$pw"

step "user name with a newline"
refuse 64 "the user name contains ':', whitespace or a control character" "$pw" \
    "$PODPASS" enable -u $'bad\nname' --password-stdin <<<"$pw"

step "user name with ':' in PODPASS_USER"
refuse 64 "bad value in the environment variable PODPASS_USER" "$pw" \
    env PODPASS_USER='bad:name' "$PODPASS" enable --password-stdin <<<"$pw"

step "user names sshd would read as a pattern in 'Match User'"
refuse 65 "the user name 'ali*' holds '*', which sshd would not read as a plain name in 'Match User'" \
    "$pw" "$PODPASS" enable -u 'ali*' --password-stdin <<<"$pw"
for name in 'a?' '!root' 'alice,root' 'a"b' "a'b" 'a\b' 'a=b' 'a#b'; do
    refuse 65 "which sshd would not read as a plain name in 'Match User'" "$pw" \
        "$PODPASS" enable -u "$name" --password-stdin <<<"$pw"
done
refuse 65 "Match User" "" "$PODPASS" disable -u 'root,alice'

step "unknown user"
refuse 67 "no such user 'podpass-nosuch'" "$pw" "$PODPASS" enable -u podpass-nosuch --password-stdin <<<"$pw"

# Regression (this was a defect, fixed): a user name glued to -u that holds a 'p' (-upostgres) is taken for a password on
# the command line: exit 64 "podpass never takes a password on the command line", and the
# argument is wiped. It must be read as -u podpass-nosuch, as getopt reads it (the same
# for -c/etc/podpass.conf).
if bug attached-user-with-p; then
    refuse 67 "no such user 'podpass-nosuch'" "$pw" "$PODPASS" enable -upodpass-nosuch --password-stdin <<<"$pw"
fi

# ---------------------------------------------------------------- hashes (--encrypted)

hash=$(make_hash "$pw")
case $hash in
\$6\$*) ;;
*) fail "setup: could not make a sha512crypt hash" ;;
esac

step "hash with ':'"
refuse 65 "the hash contains ':'" "$hash" "$PODPASS" enable --encrypted --password-stdin <<<"$hash:0"

step "hash with a newline in the middle (PODPASS_PASSWORD)"
refuse 65 "the hash contains a line break" "$hash" \
    env PODPASS_PASSWORD="$hash"$'\nmore' "$PODPASS" enable --encrypted </dev/null

step "hash with a newline in the middle (--password-file)"
(umask 077 && printf '%s\nmore\n' "$hash" >"$WORK/hash2.pw")
refuse 65 "more than one line" "$hash" "$PODPASS" enable --encrypted --password-file "$WORK/hash2.pw" </dev/null

# Regression (this was a defect, fixed): --password-stdin reads the first line and ignores the rest: a hash (or password)
# followed by a second line is set from the first line, exit 0, /etc/shadow changed and
# sshd reloaded. --password-file refuses the same bytes (65 "more than one line"); stdin
# must too (at least when it is not a terminal).
if bug stdin-second-line; then
    refuse 65 "more than one line" "$hash" "$PODPASS" enable --encrypted --password-stdin <"$WORK/hash2.pw"
fi

step "bare salt (sha512crypt)"
refuse 65 "not a complete crypt(5) hash" '$6$e2esalt1' "$PODPASS" enable --encrypted --password-stdin <<<'$6$e2esalt1$'

step "bare salt (yescrypt)"
refuse 65 "not a complete crypt(5) hash" '$y$j9T$e2esaltsalt' \
    "$PODPASS" enable --encrypted --password-stdin <<<'$y$j9T$e2esaltsaltsalt'

step "unknown method \$9\$"
refuse 65 "unknown or disabled method" '$9$e2esalt1$' \
    "$PODPASS" enable --encrypted --password-stdin <<<'$9$e2esalt1$0123456789abcdefghijklmnopqrstuv'

step "DES hash"
refuse 65 "legacy/weak" 'abJnggxhB/yWI' "$PODPASS" enable --encrypted --password-stdin <<<'abJnggxhB/yWI'

step "md5crypt hash"
refuse 65 "legacy/weak" 'hIbRtTKeau3inTlPBwUYx0' \
    "$PODPASS" enable --encrypted --password-stdin <<<'$1$QrSSgbgC$hIbRtTKeau3inTlPBwUYx0'

step "sha256crypt hash"
refuse 65 "legacy/weak" 'g33uXWj89LEFXkiFPPlKChyLAXJyBo' \
    "$PODPASS" enable --encrypted --password-stdin <<<'$5$8YVD1KRZZxcIJeHP$g33uXWj89LEFXkiFPPlKChyLAXJyBo.6odSksjuK741'

step "a lock marker instead of a hash"
refuse 65 "lock marker" "" "$PODPASS" enable --encrypted --password-stdin <<<'!locked'

step "hash longer than any crypt(5) hash"
refuse 65 "too long to be a crypt(5) hash" "$hash" \
    "$PODPASS" enable --encrypted --password-stdin <<<"$hash$(long_string 400)"

step "hash over 4096 bytes"
refuse 65 "longer than 4096 bytes" "$hash" \
    "$PODPASS" enable --encrypted --password-stdin <<<"$hash$(long_string 4000)"

step "a plain password given with --encrypted"
refuse 65 "hash" "$pw" "$PODPASS" enable --encrypted --password-stdin <<<"$pw"
# Regression (this was a defect, fixed): the message for a plain password given with --encrypted is "the hash method is
# legacy/weak (DES, MD5, ...)": libxcrypt reads its first two characters as a DES salt.
# A DES hash is exactly 13 characters of [./0-9A-Za-z]; anything else must be called
# what it is: not a crypt(5) hash.
if bug plain-as-hash; then
    refuse 65 "not a crypt(5) hash" "$pw" "$PODPASS" enable --encrypted --password-stdin <<<"$pw"
fi

# ---------------------------------------------------------------- passwords

step "empty password (stdin)"
refuse 66 "the password is empty" "" "$PODPASS" enable --password-stdin <<<''

step "empty PODPASS_PASSWORD"
refuse 66 "PODPASS_PASSWORD is set but empty" "" env PODPASS_PASSWORD= "$PODPASS" enable </dev/null

step "password too short (7 characters)"
refuse 65 "the password is too short: at least 8 characters" 'Short7x' \
    "$PODPASS" enable --password-stdin <<<'Short7x'

step "password of 512 bytes (libxcrypt takes at most 511)"
refuse 65 "longer than 511 bytes" 'Long-pw-0001-' "$PODPASS" enable --password-stdin <<<"$(long_string 512)"

step "password of 511 bytes: accepted (--dry-run, so still nothing changes)"
take_snapshot
expect_exit 0 "$PODPASS" enable --dry-run --password-stdin <<<"$(long_string 511)"
no_secret 'Long-pw-0001-'
all_unchanged

step "password over 4096 bytes"
refuse 65 "longer than 4096 bytes" 'Long-pw-0001-' "$PODPASS" enable --password-stdin <<<"$(long_string 5000)"

step "password with a NUL byte in the middle (stdin)"
(umask 077 && printf 'Nul-pw-first\0Nul-pw-second\n' >"$WORK/nul.pw")
refuse 65 "the password holds a NUL byte" 'Nul-pw-first' "$PODPASS" enable --password-stdin <"$WORK/nul.pw"
no_secret 'Nul-pw-second'

step "password with a NUL byte in the middle (--password-file)"
refuse 65 "the password holds a NUL byte" 'Nul-pw-first' \
    "$PODPASS" enable --password-file "$WORK/nul.pw" </dev/null
no_secret 'Nul-pw-second'

step "password with a newline in the middle (--password-file)"
(umask 077 && printf 'Nl-pw-first\nNl-pw-second\n' >"$WORK/nl.pw")
refuse 65 "more than one line" 'Nl-pw-first' "$PODPASS" enable --password-file "$WORK/nl.pw" </dev/null
no_secret 'Nl-pw-second'

step "password with a newline in the middle (PODPASS_PASSWORD)"
refuse 65 "the password holds a control character" 'Nl-pw-first' \
    env PODPASS_PASSWORD=$'Nl-pw-first\nNl-pw-second' "$PODPASS" enable </dev/null
no_secret 'Nl-pw-second'

# Regression (this was a defect, fixed): the same as stdin-second-line, for a password: printf 'Nl-pw-first\nNl-pw-second\n'
# | podpass enable --password-stdin sets 'Nl-pw-first' and exits 0.
if bug stdin-second-line-password; then
    refuse 65 "more than one line" 'Nl-pw-first' "$PODPASS" enable --password-stdin <"$WORK/nl.pw"
fi

step "empty password file"
(umask 077 && : >"$WORK/empty.pw")
refuse 66 "the password is empty" "" "$PODPASS" enable --password-file "$WORK/empty.pw" </dev/null

step "missing password file"
refuse 66 "No such file or directory" "" "$PODPASS" enable --password-file "$WORK/missing.pw" </dev/null

step "password file is a directory"
refuse 66 "not a regular file" "" "$PODPASS" enable --password-file "$WORK" </dev/null

# ---------------------------------------------------------------- options, argv

step "unknown long option"
refuse 64 "unknown option '--bogus'" "$pw" "$PODPASS" enable --bogus --password-stdin <<<"$pw"

step "unknown long option with a value: the value is not repeated"
refuse 64 "unknown option '--bogus'" 'Bogus-value-4417' "$PODPASS" enable --bogus=Bogus-value-4417 </dev/null

step "unknown short option"
refuse 64 "unknown option '-x'" "$pw" "$PODPASS" enable -x --password-stdin <<<"$pw"

step "unknown short option with text glued to it: the text is not repeated"
refuse 64 "unknown option" 'Zvalue-4418' "$PODPASS" enable -zZvalue-4418 </dev/null
# Regression (this was a defect, fixed): "podpass enable -zZvalue" says "unknown option 'enable'" (argv[optind - 1] while
# getopt is still inside the cluster; "podpass -zX enable" names the program's path), and
# wipes the tail of that other argument instead of the option's text.
if bug short-option-cluster; then
    refuse 64 "unknown option '-z" 'Zvalue-4418' "$PODPASS" enable -zZvalue-4418 </dev/null
fi

step "password as an argument: podpass enable PASSWORD"
refuse 64 "unexpected argument on the command line" 'Hunter2-arg-5501' "$PODPASS" enable Hunter2-arg-5501 </dev/null

step "password as an argument: --password=PASSWORD"
refuse 64 "never takes a password on the command line" 'Hunter2-eq-5502' \
    "$PODPASS" enable --password=Hunter2-eq-5502 </dev/null

step "password as an argument: --password PASSWORD"
refuse 64 "never takes a password on the command line" 'Hunter2-sp-5503' \
    "$PODPASS" enable --password Hunter2-sp-5503 </dev/null

step "password as an argument: -pPASSWORD"
refuse 64 "never takes a password on the command line" 'Hunter2-p-5504' \
    "$PODPASS" enable -pHunter2-p-5504 </dev/null

step "password in place of the command: podpass PASSWORD"
refuse 64 "unknown command (not repeated here" 'Hunter2-cmd-5505' "$PODPASS" Hunter2-cmd-5505 </dev/null

# ---------------------------------------------------------------- options a command does not take
# Each command takes the options of its synopsis (the table in src/options.c); any other
# is refused with 64, naming the option and the command, before anything is read or
# written. The last two rows would change /etc/shadow (and sshd_config) if accepted.

step "status --generate --lock-password"
refuse 64 "status does not take --generate" "" "$PODPASS" status --generate --lock-password </dev/null

step "disable --password-stdin --json: the password is not read"
refuse 64 "disable does not take --password-stdin" "$pw" \
    "$PODPASS" disable --password-stdin --json <<<"$pw"

step "disable --lock-password --json: refused, the password stays unlocked"
refuse 64 "disable does not take --json" "" "$PODPASS" disable --lock-password --json </dev/null

step "enable --lock-password: refused, nothing enabled"
refuse 64 "enable does not take --lock-password" "$pw" \
    "$PODPASS" enable --password-stdin --lock-password <<<"$pw"

step "settings from the environment that a command does not use are ignored"
take_snapshot
expect_exit 0 env PODPASS_RESTART=none PODPASS_MIN_LENGTH=12 PODPASS_METHOD=sha512 "$PODPASS" status
all_unchanged

# ---------------------------------------------------------------- not root

step "not root (user nobody)"
refuse 77 "must run as root" "$pw" \
    setpriv --reuid=65534 --regid=65534 --clear-groups "$PODPASS" enable --password-stdin <<<"$pw"

# ---------------------------------------------------------------- sshd_config

step "sshd_config missing"
mv "$cfg" "$WORK/sshd_config.away"
refuse 66 "$cfg: missing" "$pw" "$PODPASS" enable --password-stdin <<<"$pw"
restore_config

step "sshd_config is a directory"
rm -f "$cfg"
mkdir "$cfg"
refuse 65 "$cfg: not a regular file" "$pw" "$PODPASS" enable --password-stdin <<<"$pw"
restore_config

step "sshd_config is a dangling symlink"
rm -f "$cfg"
ln -s /etc/ssh/sshd_config.nowhere "$cfg"
refuse 66 "$cfg" "$pw" "$PODPASS" enable --password-stdin <<<"$pw"
# Regression (this was a defect, fixed): a dangling symlink is reported as "/etc/ssh/sshd_config: missing (is
# openssh-server installed?)": the file is there (ls shows it); the message must say
# it is a symlink and name the target that is missing.
if bug dangling-symlink; then
    refuse 66 "/etc/ssh/sshd_config.nowhere" "$pw" "$PODPASS" enable --password-stdin <<<"$pw"
fi
restore_config

step "sshd_config is a symlink to itself"
rm -f "$cfg"
ln -s sshd_config "$cfg"
refuse 74 "$cfg: too many levels of symbolic links" "$pw" "$PODPASS" enable --password-stdin <<<"$pw"
restore_config

step "sshd_config is binary (4 KiB of every byte value, NULs included)"
LC_ALL=C awk 'BEGIN { for (i = 0; i < 4096; i++) printf "%c", (i * 37) % 256 }' >"$cfg"
[ "$(tr -d '\000' <"$cfg" | wc -c)" -lt 4096 ] || fail "setup: the binary config has no NUL byte"
refuse 78 "$cfg" "$pw" "$PODPASS" enable --password-stdin <<<"$pw"
# Regression (this was a defect, fixed): the message is "/etc/ssh/sshd_config:8: unterminated quote": the first '"' is on
# line 2 (podpass counted the lines of its candidate, which had the 6-line managed block on
# top then; see main-file-line-numbers), and nothing says the file is binary. It must be refused
# for its NUL byte (as podpass.conf is), at line 1.
if bug binary-config; then
    refuse 78 "NUL" "$pw" "$PODPASS" enable --password-stdin <<<"$pw"
    assert_names_line "$cfg" 1
fi
restore_config

# Regression (this was a defect, fixed): one NUL byte in an otherwise valid sshd_config ("PermitRootLogin no\0 junk" on
# line 1) is accepted: exit 0, the file rewritten with the NUL kept, sshd reloaded. sshd
# and podpass's parser both stop reading the line at the NUL; text hidden behind it is
# invisible to both. It must be refused like podpass.conf: 78, "holds a NUL byte", line 1.
if bug nul-in-config; then
    { printf 'PermitRootLogin no\0 junk\n'; cat "$WORK/sshd_config.orig"; } >"$cfg"
    refuse 78 "NUL" "$pw" "$PODPASS" enable --password-stdin <<<"$pw"
    assert_names_line "$cfg" 1
    restore_config
fi

step "sshd_config with an unterminated quote on line 3"
{ head -n 2 "$WORK/sshd_config.orig"; echo 'Banner "unterminated'; tail -n +3 "$WORK/sshd_config.orig"; } >"$cfg"
refuse 78 "unterminated quote" "$pw" "$PODPASS" enable --password-stdin <<<"$pw"
grep -Fq "$cfg:" "$WORK/last.err" || fail "stderr does not name $cfg"
# Regression (this was a defect, fixed): podpass names line 9, not 3: errors of its own parser in the main file carry the
# line numbers of the candidate text, which had the 6-line managed block on top then.
if bug main-file-line-numbers; then
    refuse 78 "unterminated quote" "$pw" "$PODPASS" enable --password-stdin <<<"$pw"
    assert_names_line "$cfg" 3
fi

step "sshd_config whose last line, AllowUsers nobody, shuts root out"
cp -p "$WORK/sshd_config.orig" "$cfg"
echo 'AllowUsers nobody' >>"$cfg"
allow_line=$(wc -l <"$cfg")
refuse 78 "AllowUsers does not let in 'root'" "$pw" "$PODPASS" enable --password-stdin <<<"$pw"
grep -Fq "$cfg:" "$WORK/last.err" || fail "stderr does not name $cfg"
# Regression (this was a defect, fixed): the same offset for the setting that blocks: AllowUsers on the file's last line
# (123 with Debian's stock file) is named as line 129 (login_check reads the candidate).
if bug blocking-line-number; then
    refuse 78 "AllowUsers" "$pw" "$PODPASS" enable --password-stdin <<<"$pw"
    assert_names_line "$cfg" "$allow_line"
fi
restore_config

step "sshd_config of 100k lines of garbage"
seq 1 100000 | sed -e 's/^/Garbage line /' >"$cfg"
refuse 78 "the current sshd configuration is already invalid" "$pw" "$PODPASS" enable --password-stdin <<<"$pw"
# (not assert_names_line: with 4 MiB of stderr its grep | grep -q dies of SIGPIPE)
grep -aFq -- "$cfg: line 1: Bad configuration option: Garbage" "$WORK/last.err" ||
    fail "stderr does not name $cfg line 1"
# Regression (this was a defect, fixed): podpass relays all of sshd's output: 4 MiB of stderr (about 61,000 lines, cut
# mid-line at its 4 MiB capture limit), every line ending in a CR. It must give the first
# few errors and a count of the rest.
if bug long-sshd-output; then
    refuse 78 "the current sshd configuration is already invalid" "$pw" "$PODPASS" enable --password-stdin <<<"$pw"
    [ "$(wc -l <"$WORK/last.err")" -le 50 ] ||
        fail "stderr has $(wc -l <"$WORK/last.err") lines ($(wc -c <"$WORK/last.err") bytes) for one refusal"
fi
restore_config

# ---------------------------------------------------------------- /etc/shadow, /etc

step "/etc/shadow missing"
mv /etc/shadow "$WORK/shadow.away"
refuse 66 "/etc/shadow: No such file or directory" "$pw" "$PODPASS" enable --password-stdin <<<"$pw"
mv "$WORK/shadow.away" /etc/shadow

step "no /etc/shadow entry for the user"
useradd -M -s /bin/sh e2e-noshadow
sed -i -e '/^e2e-noshadow:/d' /etc/shadow
refuse 67 "/etc/shadow has no entry for 'e2e-noshadow'" "$pw" \
    "$PODPASS" enable -u e2e-noshadow --password-stdin <<<"$pw"

step "/etc read-only"
mount -o remount,ro,bind /etc
if touch /etc/.bad-input-probe 2>/dev/null; then fail "setup: /etc is still writable"; fi
refuse 73 "Read-only file system" "$pw" "$PODPASS" enable --password-stdin <<<"$pw"
mount -o remount,rw,bind /etc

# ---------------------------------------------------------------- a valid 100k-line config

step "sshd_config of 100k valid lines: enable works"
{
    cat "$WORK/sshd_config.orig"
    awk 'BEGIN { for (i = 1; i <= 50000; i++) printf "# filler %d\nX11Forwarding no\n", i }'
} >"$cfg"
cp -p "$cfg" "$WORK/sshd_config.100k"
[ "$(wc -l <"$cfg")" -ge 100000 ] || fail "setup: the config has fewer than 100000 lines"
# Can this sshd serve logins with a config this large at all? OpenSSH 10 cannot (its
# session process fails to hand the config to sshd-auth, after the banner): there,
# podpass must see that no login can work, refuse and change nothing.
kill -HUP "$pid"
wait_banner
make_client_key root
if ! try_login_key root; then
    echo "    this sshd serves no login with a 100k-line config, even before podpass"
    snapshot big
    expect_exit 69 "$PODPASS" enable --password-stdin <<<"$pw"
    no_secret "$pw"
    last_stderr_has 'rolling back' || fail "podpass did not say that it rolled back"
    assert_unchanged big
    pass
fi
reloads=$(grep -c 'Received SIGHUP' "$E2E_SSHD_LOG" || true)
podpass_ok enable --password-stdin <<<"$pw"
no_secret "$pw"
# (not assert_block: its grep | head dies of SIGPIPE on a file this long)
lines_before=$(wc -l <"$WORK/sshd_config.100k")
[ "$(sed -n "$((lines_before + 1))p" "$cfg")" = "$E2E_BEGIN_MARK" ] ||
    fail "the managed block does not follow the 100k lines"
[ "$(tail -n 1 "$cfg")" = "$E2E_END_MARK" ] || fail "the managed block does not end the file"
[ "$(grep -cxF -- "$E2E_BEGIN_MARK" "$cfg" || true)" = 1 ] || fail "not exactly one managed block"
head -c "$(wc -c <"$WORK/sshd_config.100k")" "$cfg" >"$WORK/outside"
if ! cmp -s "$WORK/outside" "$WORK/sshd_config.100k"; then
    diff "$WORK/sshd_config.100k" "$WORK/outside" >"$WORK/outside.diff" || true
    head -n 20 "$WORK/outside.diff" >&2
    fail "$cfg before the managed block differs from before (diff above)"
fi
echo "    one managed block at the end; the 100k lines before it unchanged"
assert_sshd_serving "$pid"
[ "$(grep -c 'Received SIGHUP' "$E2E_SSHD_LOG" || true)" -gt "$reloads" ] || fail "sshd was not reloaded"
login_password root "$pw"
pass

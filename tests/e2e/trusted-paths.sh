#!/bin/bash
# What podpass runs as root, and the file it takes a password from, must be root's to
# decide: the file and every directory and link on the way owned by root (the password
# file: root or the target user), none writable by group or others (a root-owned sticky
# directory such as /tmp passes). Anything else is refused with exit 77 naming the path,
# before anything is run or changed:
#   - an sshd owned by alice, given as --sshd, PODPASS_SSHD or sshd= in podpass.conf
#     (a script that would leave a mark if run), a root-owned sshd in a directory alice
#     can write, a root-owned sshd behind a link alice owns;
#   - root's password from a file alice owns, or from a root-owned file in a directory
#     alice can write.
# Accepted: alice's own password file for -u alice; a root-owned file in /tmp; a
# Kubernetes secret volume (password -> ..data/password, ..data -> ..TIMESTAMP, links
# owned by root, the volume directory 0755 or 1777), which sets the password for real.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter "$@"

pw='trusted-Root-pw-6120'
rmdir /home/alice 2>/dev/null || true
useradd -m -s /bin/bash alice
start_sshd
set_password root 'trusted-Old-pw-6119'

# refused ARGS...: exit 77 naming $want_path, nothing changed, the fake sshd never ran.
refused() {
    snapshot before
    expect_exit 77 "$@"
    last_stderr_has "refused" || fail "the message does not say refused"
    grep -qF -- "$want_path" "$WORK/last.err" || fail "the message does not name $want_path"
    [ ! -e /run/fake-sshd-ran ] || fail "podpass ran the untrusted program $want_path as root"
    assert_unchanged before
}

# A stand-in sshd that leaves a mark when run, then runs the real one.
fake_sshd() { # PATH OWNER
    install -D -m 0755 /dev/stdin "$1" <<EOS
#!/bin/sh
: >/run/fake-sshd-ran
exec $E2E_SSHD "\$@"
EOS
    chown "$2" "$1"
}

step "an sshd owned by alice: --sshd, PODPASS_SSHD, podpass.conf"
fake_sshd /home/alice/bin/sshd alice
want_path=/home/alice
refused "$PODPASS" enable --sshd /home/alice/bin/sshd --password-stdin <<<"$pw"
refused env PODPASS_SSHD=/home/alice/bin/sshd "$PODPASS" enable --password-stdin <<<"$pw"
printf '[podpass]\nsshd = /home/alice/bin/sshd\n' >/etc/podpass.conf
refused "$PODPASS" enable --password-stdin <<<"$pw"
rm /etc/podpass.conf

step "a root-owned sshd in a directory alice can write"
mkdir -m 0777 /run/open-dir
fake_sshd /run/open-dir/sshd root
want_path=/run/open-dir
refused "$PODPASS" enable --sshd /run/open-dir/sshd --password-stdin <<<"$pw"

step "a root-owned sshd behind a link alice owns"
mkdir -m 0755 /run/root-dir
fake_sshd /run/root-dir/sshd root
ln -s /run/root-dir/sshd /home/alice/sshd-link
chown -h alice /home/alice/sshd-link
want_path=/home/alice
refused "$PODPASS" enable --sshd /home/alice/sshd-link --password-stdin <<<"$pw"
ln -s /run/root-dir/sshd /run/alice-link
chown -h alice /run/alice-link
want_path=/run/alice-link
refused "$PODPASS" enable --sshd /run/alice-link --password-stdin <<<"$pw"

step "the same root-owned sshd, reached through root's own link: accepted and run"
ln -s /run/root-dir/sshd /run/root-link
podpass_ok enable --sshd /run/root-link --password-stdin <<<"$pw"
[ -e /run/fake-sshd-ran ] || fail "the trusted --sshd was not run"
rm -f /run/fake-sshd-ran
login_password root "$pw"

step "root's password from a file alice owns, or in a directory she can write"
printf '%s\n' "$pw" >/home/alice/pw
chown alice /home/alice/pw
chmod 0600 /home/alice/pw
want_path=/home/alice
refused "$PODPASS" enable --password-file /home/alice/pw </dev/null
install -m 0600 /home/alice/pw /run/open-dir/pw
want_path=/run/open-dir
refused "$PODPASS" enable --password-file /run/open-dir/pw </dev/null

step "alice's own password file for -u alice, and a root-owned file in /tmp: accepted"
podpass_ok enable -u alice --password-file /home/alice/pw </dev/null
login_password alice "$pw"
tmpdir=$(mktemp -d /tmp/trusted-paths.XXXXXX)
pw2='trusted-Tmp-pw-6121'
printf '%s\n' "$pw2" >"$tmpdir/pw"
chmod 0600 "$tmpdir/pw"
podpass_ok enable --password-file "$tmpdir/pw" </dev/null
rm -rf "$tmpdir"
login_password root "$pw2"

# A Kubernetes secret volume as the kubelet lays it out.
k8s_volume() { # DIR MODE PASSWORD
    mkdir -p "$1"
    chmod "$2" "$1"
    mkdir "$1/..2026_12_05_08_00_00.123456789"
    printf '%s\n' "$3" >"$1/..2026_12_05_08_00_00.123456789/password"
    chmod 0400 "$1/..2026_12_05_08_00_00.123456789/password"
    ln -s ..2026_12_05_08_00_00.123456789 "$1/..data"
    ln -s ..data/password "$1/password"
}
for mode in 0755 1777; do
    step "a Kubernetes secret volume, mode $mode: accepted"
    k8s_pw="trusted-K8s-pw-$mode"
    k8s_volume "/run/secrets/podpass-$mode" "$mode" "$k8s_pw"
    podpass_ok enable --password-file "/run/secrets/podpass-$mode/password" </dev/null
    login_password root "$k8s_pw"
done
pass

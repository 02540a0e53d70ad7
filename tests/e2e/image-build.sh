#!/bin/bash
# A Dockerfile RUN step: no host keys, no /run/sshd, no sshd. "enable --restart none"
# exits 0, creates nothing every container of the image would share (no host keys),
# starts nothing, and leaves the block in sshd_config. The image's usual start
# (ssh-keygen -A; mkdir -p /run/sshd; sshd) then gives working password and key login.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter "$@"

pw='image-Build-pw-5150'
rm -f /etc/ssh/ssh_host_*
rm -rf /run/sshd
make_client_key root
cp "$E2E_SSHD_CONFIG" "$WORK/sshd_config.orig"
assert_no_sshd
snapshot before

step "podpass enable --restart none (image build)"
podpass_ok enable --restart none --password-stdin <<<"$pw"
last_stderr_has 'reload|restart|start' || fail "--restart none does not say that sshd still needs a reload"

step "nothing shared was created, nothing was started"
for k in /etc/ssh/ssh_host_*; do
    [ ! -e "$k" ] || fail "host key created during the image build: $k"
done
[ ! -e /run/sshd ] || fail "/run/sshd left behind by the image build"
assert_no_sshd
assert_block "$WORK/sshd_config.orig"
assert_no_stray before
case $(shadow_field root) in
'' | '!'* | '*'*) fail "root has no usable password after the image build" ;;
esac

step "the image's start script: ssh-keygen -A; mkdir -p /run/sshd; sshd"
start_sshd
login_password root "$pw"
login_key root
pass

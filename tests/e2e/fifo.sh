#!/bin/bash
# A FIFO or a device where podpass expects a file is refused, never waited on: an
# Include'd sshd_config file, the main sshd_config (--sshd-config), the password file.
# Each run is bounded (timeout); podpass must end by itself with a message naming the
# path, a non-zero exit, and every file as it was.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter "$@"

pw='fifo-Root-pw-2291'
FIFO_TIMEOUT=${FIFO_TIMEOUT:-60} # far beyond a run's time: reaching it means podpass waited on the FIFO
start_sshd

# refused CODE PATH ARGS...: podpass ARGS ends by itself with CODE, naming PATH as not a
# regular file, and changes nothing.
refused() {
    local want=$1 path=$2
    shift 2
    snapshot before
    expect_exit "$want" timeout -k 5 "$FIFO_TIMEOUT" "$PODPASS" "$@"
    last_stderr_has "$path.*not a regular file" || fail "the message does not say that $path is not a regular file"
    assert_unchanged before
}

step "a FIFO among the Include'd drop-ins"
mkfifo /etc/ssh/sshd_config.d/60-fifo.conf
refused 65 /etc/ssh/sshd_config.d/60-fifo.conf enable --password-stdin <<<"$pw"
rm /etc/ssh/sshd_config.d/60-fifo.conf

step "a character device among the Include'd drop-ins"
ln -s /dev/zero /etc/ssh/sshd_config.d/61-device.conf
refused 65 /etc/ssh/sshd_config.d/61-device.conf enable --password-stdin <<<"$pw"
rm /etc/ssh/sshd_config.d/61-device.conf

step "a FIFO as the main sshd_config (--sshd-config)"
mkfifo /run/fifo-sshd_config
refused 65 /run/fifo-sshd_config enable --password-stdin --sshd-config /run/fifo-sshd_config <<<"$pw"
refused 65 /run/fifo-sshd_config status --sshd-config /run/fifo-sshd_config </dev/null

step "a FIFO and a device as the password file"
mkfifo -m 0600 /run/fifo-password
refused 66 /run/fifo-password enable --password-file /run/fifo-password </dev/null
refused 66 /dev/zero enable --password-file /dev/zero </dev/null

step "with the FIFOs gone, enable works"
podpass_ok enable --password-stdin <<<"$pw"
login_password root "$pw"
pass

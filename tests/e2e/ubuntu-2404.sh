#!/bin/bash
# Ubuntu 24.04's sshd configuration shape (tests/data/ubuntu/24.04/, the cloud image's
# drop-ins, no host keys, no /run/sshd, systemd's unit links with no systemd running):
# enable with sshd stopped and running, password and key logins for root and a normal
# user, the drop-ins untouched and still in effect for everyone else, disable restoring
# every file byte for byte (tests/e2e/ubuntu.bash). Meant for OpenSSH 9.6p1, Ubuntu
# 24.04's version (make check-openssh); runs with any sshd from 8.2 on.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${E2E_DIR:-$(dirname "$0")}/lib.sh" || exit 1
e2e_enter "$@"
# shellcheck source-path=SCRIPTDIR source=ubuntu.bash
. "$E2E_DIR/ubuntu.bash"

ubuntu_scenario 24.04
pass

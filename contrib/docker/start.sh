#!/bin/sh
# podpass-start: the start of the images of contrib/docker/Dockerfile and Dockerfile.baked
# (their ENTRYPOINT). The arguments are the main process it hands over to: the image's CMD
# (sleep infinity) or the command given to docker run / a pod spec's args.
#
# 1. Host keys for this container only (an image carries none, so that containers do not
#    share them; ssh-keygen -A makes the missing ones) and /run/sshd.
# 2. With PODPASS_PASSWORD in the environment: podpass enable reads it (or a hash, see
#    PODPASS_ENCRYPTED below), wipes its own copy, sets the hash in /etc/shadow, starts sshd
#    and waits until sshd answers with settings that let the password in. If it fails, the
#    container stops with podpass's exit status and its message in the log.
#    Without PODPASS_PASSWORD: sshd starts with the settings in the image (a password baked
#    by Dockerfile.baked, else key login only).
# 3. PODPASS_PASSWORD (and PODPASS_ENCRYPTED) are removed from the environment and the main
#    process replaces this script (exec): neither it nor anything it starts sees the password.
#
# PODPASS_ENCRYPTED=yes: PODPASS_PASSWORD holds a crypt(5) hash (mkpasswd -m yescrypt), not
# the password (podpass enable --encrypted).
set -eu

ssh-keygen -A
mkdir -p /run/sshd
chmod 0755 /run/sshd

if [ -n "${PODPASS_PASSWORD+set}" ]; then
    if [ "${PODPASS_ENCRYPTED:-no}" = yes ]; then
        podpass enable --encrypted
    else
        podpass enable
    fi
else
    /usr/sbin/sshd
fi
unset PODPASS_PASSWORD PODPASS_ENCRYPTED

[ "$#" -gt 0 ] || set -- sleep infinity
exec "$@"

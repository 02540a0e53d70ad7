#!/bin/sh
# podpass-start: the start of the images of contrib/docker/Dockerfile and Dockerfile.baked
# (their ENTRYPOINT). The arguments are the main process it hands over to: the image's CMD
# (sleep infinity) or the command given to docker run / a pod spec's args.
#
# 1. Host keys for this container only (an image carries none, so that containers do not
#    share them; ssh-keygen -A makes the missing ones) and /run/sshd.
# 2. With PODPASS_PASSWORD or PODPASS_PASSWORD_FILE in the environment: podpass enable reads
#    the password (or a hash, with PODPASS_ENCRYPTED=yes), wipes its own copy, sets the hash
#    in /etc/shadow, starts sshd and waits until sshd answers with settings that let the
#    password in. If it fails, the container stops with podpass's exit status and its
#    message in the log.
#    Without either: sshd starts with the settings in the image (a password baked by
#    Dockerfile.baked, else key login only).
# 3. PODPASS_PASSWORD (and PODPASS_ENCRYPTED) are removed from the environment and the main
#    process replaces this script (exec): neither it nor anything it starts sees the password.
#
# podpass reads PODPASS_PASSWORD_FILE (a file, checked as --password-file is) and
# PODPASS_ENCRYPTED=yes (the secret is a crypt(5) hash, as mkpasswd -m yescrypt makes; as
# --encrypted) itself.
set -eu

ssh-keygen -A
mkdir -p /run/sshd
chmod 0755 /run/sshd

if [ -n "${PODPASS_PASSWORD+set}" ] || [ -n "${PODPASS_PASSWORD_FILE:-}" ]; then
    podpass enable
else
    /usr/sbin/sshd
fi
unset PODPASS_PASSWORD PODPASS_ENCRYPTED

[ "$#" -gt 0 ] || set -- sleep infinity
exec "$@"

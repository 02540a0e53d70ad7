#!/bin/bash
# The baseline of bench/login-ready.sh: the shell recipe for password SSH
# that RunPod's documentation points users to (its "Password-based SSH"
# section links a script whose core is these steps), written plainly: turn on
# PasswordAuthentication and PermitRootLogin with sed, also where they are
# commented out, restart sshd through its init script, then set root's
# password with chpasswd. (The linked script's patterns lack the space
# before ".*"; on Debian's stock sshd_config both edit the same two
# settings.) chpasswd hashes as PAM's pam_unix is set up (yescrypt on
# Debian 12), as podpass does with libxcrypt's default.
#
# The password comes from the environment (PASSWORD): echo is a bash
# builtin, so it is in no argv.
#
# It edits /etc/ssh/sshd_config, restarts sshd and sets root's password:
# it refuses to run outside the benchmark's private namespace.
[ "${PODPASS_BENCH_NS:-}" = 1 ] || {
    echo "recipe.sh: runs only inside bench/login-ready.sh's namespace" >&2
    exit 1
}
: "${PASSWORD:?recipe.sh: PASSWORD is not set}"

sed -i 's/#\?PasswordAuthentication .*/PasswordAuthentication yes/' /etc/ssh/sshd_config
sed -i 's/#\?PermitRootLogin .*/PermitRootLogin yes/' /etc/ssh/sshd_config
service ssh restart
echo "root:$PASSWORD" | chpasswd

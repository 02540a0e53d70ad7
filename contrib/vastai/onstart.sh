#!/bin/sh
# podpass for vast.ai: paste this file into the template's "On-start Script" field, or keep
# it in the image and put "sh /path/to/onstart.sh" there. vast.ai runs it at every start of
# the instance (SSH and Jupyter launch modes), with the template's environment variables.
# The image must have openssh-server and podpass installed.
#
# The password comes from PODPASS_PASSWORD, set in the template's Docker options
# (-e PODPASS_PASSWORD=...) or in your account's environment variables. podpass enable
# starts sshd, or reloads the one vast.ai started, and waits until sshd lets the password
# in. If it fails, its message (never the password) goes to the instance's log and the
# rest of this script still runs: key login keeps working.
#
# Without PODPASS_PASSWORD nothing changes: key login only. (This script never makes up a
# password: it would have to be kept in a file or shown in the log, and podpass's rule is
# that a password is stored nowhere but as a hash in /etc/shadow. To have podpass make
# one, run "podpass enable --generate" in the Jupyter terminal yourself: it prints it
# there, once.)
#
# Everything vast.ai starts gets PODPASS_PASSWORD in its environment (it is a Docker
# environment variable of the instance); this script removes it for the commands below.

if [ -n "${PODPASS_PASSWORD+set}" ]; then
    podpass enable || echo "podpass: password login NOT turned on (exit $?)" >&2
else
    echo "podpass: no PODPASS_PASSWORD in the template: key login only" >&2
fi
unset PODPASS_PASSWORD

# Your own start commands go below: they do not see PODPASS_PASSWORD.

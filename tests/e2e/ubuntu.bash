# shellcheck shell=bash
# Ubuntu's sshd configuration shapes as a pod sees them, for ubuntu-2204.sh and
# ubuntu-2404.sh (sourced after lib.sh's e2e_enter, inside the namespaces).
#
# The shape (tests/data/ubuntu/RELEASE/, written from the documented content of Ubuntu's
# packages and cloud images): Ubuntu's stock sshd_config (Include of sshd_config.d at the
# top, KbdInteractiveAuthentication no, UsePAM yes, X11Forwarding yes, PrintMotd no,
# AcceptEnv LANG LC_*, the sftp Subsystem, commented defaults), the cloud image's
# 50-cloud-init.conf and 60-cloudimg-settings.conf (both PasswordAuthentication no), the
# systemd unit links of openssh-server with no systemd running, no host keys (a freshly
# built image) and no /run/sshd; the image's user "ubuntu" with a locked password.
#
# ubuntu_scenario RELEASE then does what a pod does, with the sshd given (any >= 8.2):
#  1. sshd stopped: enable root starts sshd itself (not through systemctl); host keys and
#     /run/sshd made; root's password and key log in, a wrong password is refused.
#  2. disable: sshd_config and every drop-in byte for byte as installed.
#  3. sshd running (the image's start script started it): with the drop-ins in effect a
#     password is refused; enable -u ubuntu reloads it (same listener), then enable root
#     too; both log in with password and key, wrong passwords refused.
#  Throughout: the effective settings (sshd -T -C) give password login to the enabled
#  users only, the drop-ins still decide for everyone else, and the drop-ins, the unit
#  links and the file outside podpass's blocks are never changed (DESIGN.md's patcher:
#  one Match User section per user at the end of the main file, nothing else touched).
#  4. disable -u ubuntu, disable: every file of the shape byte for byte as installed.

ubuntu_user=ubuntu
ubuntu_dropins=(50-cloud-init.conf 60-cloudimg-settings.conf)

# ubuntu_install RELEASE: the shape into this namespace's /etc and /run.
ubuntu_install() {
    local rel=$1 data=${E2E_DATA:?E2E_DATA unset: where is tests/data?}/ubuntu link target
    [ -f "$data/$rel/sshd_config" ] || fail "no Ubuntu $rel shape in $data"
    install -m 0644 -o root -g root "$data/$rel/sshd_config" "$E2E_SSHD_CONFIG"
    rm -rf /etc/ssh/sshd_config.d
    mkdir -m 0755 /etc/ssh/sshd_config.d
    # cloud-init writes its file private; the image's own file is world-readable
    install -m 0600 -o root -g root "$data/sshd_config.d/50-cloud-init.conf" /etc/ssh/sshd_config.d/
    install -m 0644 -o root -g root "$data/sshd_config.d/60-cloudimg-settings.conf" /etc/ssh/sshd_config.d/
    # OpenSSH 9.8 and later: as e2e_stock_config, loopback exempt from per-source
    # penalties (a harness file; the Ubuntu releases' own sshd has no such keyword)
    if grep -qai persourcepenaltyexemptlist "$E2E_SSHD"; then
        printf 'PerSourcePenaltyExemptList 127.0.0.0/8,::1\n' >/etc/ssh/sshd_config.d/00-e2e-harness.conf
    fi
    while read -r link target; do
        case $link in '' | '#'*) continue ;; esac
        mkdir -p "$(dirname "$link")"
        ln -sfn "$target" "$link"
    done <"$data/$rel/systemd-links"
    rm -f /etc/ssh/ssh_host_*
    rm -rf /run/sshd /run/sshd.pid /run/systemd
    rmdir "/home/$ubuntu_user" 2>/dev/null || true # an empty stand-in when the host has one
    id "$ubuntu_user" >/dev/null 2>&1 || useradd -m -s /bin/bash "$ubuntu_user"
    usermod -p '!' "$ubuntu_user"
    usermod -p '*' root
    echo "    Ubuntu $rel shape installed: $(grep -c "^/" "$data/$rel/systemd-links") unit links, drop-ins ${ubuntu_dropins[*]}"
}

# ubuntu_state: mode, owner and sha256 of every file of the shape, and the unit links.
ubuntu_state() {
    local f
    for f in "$E2E_SSHD_CONFIG" /etc/ssh/sshd_config.d /etc/ssh/sshd_config.d/*; do
        if [ -f "$f" ]; then
            printf '%s %s %s\n' "$(stat -c '%a %U:%G' "$f")" "$(sha256sum <"$f" | cut -d' ' -f1)" "$f"
        else
            printf '%s %s %s\n' "$(stat -c '%a %U:%G' "$f")" "$(stat -c %F "$f")" "$f"
        fi
    done
    find /etc/systemd/system -type l -printf '%p -> %l\n' 2>/dev/null | sort
}

# ubuntu_assert_shape NAME [all]: the drop-ins and unit links as in snapshot NAME, and
# with "all" sshd_config too, byte for byte.
ubuntu_assert_shape() {
    ubuntu_state >"$WORK/shape.now"
    if [ "${2:-}" != all ]; then
        grep -vF " $E2E_SSHD_CONFIG" "$WORK/shape.$1" >"$WORK/shape.want" || true
        grep -vF " $E2E_SSHD_CONFIG" "$WORK/shape.now" >"$WORK/shape.got" || true
    else
        cp "$WORK/shape.$1" "$WORK/shape.want"
        cp "$WORK/shape.now" "$WORK/shape.got"
    fi
    if ! diff -u "$WORK/shape.want" "$WORK/shape.got" >"$WORK/shape.diff"; then
        sed -e 's/^/      /' "$WORK/shape.diff" >&2
        fail "the Ubuntu shape's files changed (diff above)"
    fi
    if [ "${2:-}" = all ]; then
        cmp -s "$WORK/sshd_config.orig" "$E2E_SSHD_CONFIG" || fail "$E2E_SSHD_CONFIG is not the installed one"
        echo "    sshd_config, drop-ins and unit links byte for byte as installed"
    else
        echo "    drop-ins and unit links unchanged"
    fi
}

# ubuntu_dump USER: sshd's effective settings for a connection of USER, in $WORK/dump.USER.
ubuntu_dump() {
    "$E2E_SSHD" -T -C "user=$1,host=pod.example,addr=192.0.2.7" >"$WORK/dump.$1" 2>"$WORK/sshd-T.err" ||
        fail "sshd -T -C user=$1 failed: $(head -c 300 "$WORK/sshd-T.err")"
}

# ubuntu_value USER KEYWORD: KEYWORD's value in USER's last dump (KEYWORD in lower case;
# OpenSSH 10.5 prints the keywords in mixed case).
ubuntu_value() {
    awk -v k="$2" 'tolower($1) == k { $1 = ""; sub(/^ /, ""); print }' "$WORK/dump.$1"
}

# ubuntu_effective USER KEYWORD: sshd's effective value for a connection of USER.
ubuntu_effective() {
    ubuntu_dump "$1"
    ubuntu_value "$1" "$2"
}

# ubuntu_expect USER KEYWORD VALUE [dumped]: fail unless the effective value is VALUE
# ("dumped": from USER's last dump).
ubuntu_expect() {
    local got
    [ "${4:-}" = dumped ] || ubuntu_dump "$1"
    got=$(ubuntu_value "$1" "$2" | tr '\n' ' ' | sed 's/ $//')
    [ "$got" = "$3" ] || fail "effective $2 for $1 is '$got', want '$3'$(sed -n '1s/^/ (sshd -T: /p' "$WORK/sshd-T.err" | sed 's/$/)/')"
}

# ubuntu_expect_stock: the settings Ubuntu's file turns on, in effect for every user.
ubuntu_expect_stock() {
    local u kbd=no pam=yes
    # An sshd built without PAM (Alpine-like) ignores UsePAM and shows no such line.
    [ -n "$(ubuntu_effective root usepam)" ] || pam=''
    # Before OpenSSH 8.7 ChallengeResponseAuthentication (default yes, and no longer in
    # Ubuntu's file since 22.04) turns keyboard-interactive on whatever its own keyword says.
    [ "$(ubuntu_effective root challengeresponseauthentication)" != yes ] || kbd=yes
    for u in root "$ubuntu_user" nobody-else; do
        ubuntu_dump "$u"
        ubuntu_expect "$u" kbdinteractiveauthentication "$kbd" dumped
        ubuntu_expect "$u" usepam "$pam" dumped
        ubuntu_expect "$u" x11forwarding yes dumped
        ubuntu_expect "$u" printmotd no dumped
        ubuntu_expect "$u" subsystem 'sftp /usr/lib/openssh/sftp-server' dumped
        ubuntu_value "$u" acceptenv | tr ' ' '\n' | grep -x 'LC_\*' >/dev/null || fail "effective acceptenv for $u has no LC_*"
    done
    echo "    Ubuntu's settings in effect (KbdInteractiveAuthentication, UsePAM, X11Forwarding, PrintMotd, AcceptEnv, Subsystem)"
}

# ubuntu_expect_password USER yes|no: effective PasswordAuthentication for USER.
ubuntu_expect_password() {
    ubuntu_expect "$1" passwordauthentication "$2"
}

ubuntu_scenario() {
    local rel=$1 pw_root pw_user pid
    pw_root="ubuntu-${rel}-Root-pw-4417"
    pw_user="ubuntu-${rel}-User-pw-4418"

    step "Ubuntu $rel shape: stock sshd_config, cloud-image drop-ins, no host keys, sshd stopped"
    ubuntu_install "$rel"
    make_client_key root
    make_client_key "$ubuntu_user"
    cp "$E2E_SSHD_CONFIG" "$WORK/sshd_config.orig"
    ubuntu_state >"$WORK/shape.installed"
    assert_no_sshd
    ! ls /etc/ssh/ssh_host_* >/dev/null 2>&1 || fail "setup: host keys exist"
    [ ! -e /run/sshd ] || fail "setup: /run/sshd exists"
    [ ! -e /run/systemd/system ] || fail "setup: /run/systemd/system exists (systemd would seem to run)"
    snapshot before

    step "podpass enable (root), sshd stopped: podpass starts sshd itself"
    podpass_ok enable -v --password-stdin <<<"$pw_root"
    ! last_stderr_has 'systemctl' || fail "podpass went through systemctl with no systemd running"
    wait_banner
    pid=$(sshd_listener_pid)
    ls /etc/ssh/ssh_host_*_key >/dev/null 2>&1 || fail "no host keys were created"
    [ -d /run/sshd ] || fail "/run/sshd was not created"
    assert_block "$WORK/sshd_config.orig" root
    assert_no_stray before
    ubuntu_assert_shape installed
    ubuntu_expect_stock
    ubuntu_expect_password root yes
    ubuntu_expect root permitrootlogin yes
    ubuntu_expect_password "$ubuntu_user" no
    ubuntu_expect_password nobody-else no
    echo "    effective: password login for root only; the drop-ins still decide for the others"
    login_password root "$pw_root"
    login_key root
    login_password_fails root 'not-the-Root-password-1'
    login_key "$ubuntu_user"

    step "podpass disable: the shape back byte for byte, sshd reloaded"
    podpass_ok disable
    ubuntu_assert_shape installed all
    assert_sshd_serving "$pid"
    login_password_fails root "$pw_root"
    login_key root

    step "sshd running (the image's start script), the drop-ins refuse passwords"
    stop_sshd
    start_sshd
    pid=$(sshd_listener_pid)
    set_password "$ubuntu_user" "$pw_user"
    login_password_fails "$ubuntu_user" "$pw_user"
    usermod -p '!' "$ubuntu_user"
    snapshot running

    step "podpass enable -u $ubuntu_user, sshd running: reloaded, same listener"
    podpass_ok enable -u "$ubuntu_user" --password-stdin <<<"$pw_user"
    assert_sshd_serving "$pid"
    assert_block "$WORK/sshd_config.orig" "$ubuntu_user"
    ubuntu_assert_shape installed
    ubuntu_expect_password "$ubuntu_user" yes
    ubuntu_expect_password root no
    case $(ubuntu_effective root permitrootlogin) in
    without-password | prohibit-password) ;;
    *) fail "effective permitrootlogin for root is '$(ubuntu_effective root permitrootlogin)', want Ubuntu's prohibit-password" ;;
    esac
    ubuntu_expect_password nobody-else no
    login_password "$ubuntu_user" "$pw_user"
    login_key "$ubuntu_user"
    login_password_fails "$ubuntu_user" 'not-the-User-password-2'

    step "podpass enable (root) as well, sshd running"
    podpass_ok enable --password-stdin <<<"$pw_root"
    assert_sshd_serving "$pid"
    assert_block "$WORK/sshd_config.orig" root
    assert_no_stray running
    ubuntu_assert_shape installed
    ubuntu_expect_stock
    ubuntu_expect_password root yes
    ubuntu_expect_password "$ubuntu_user" yes
    ubuntu_expect_password nobody-else no
    login_password root "$pw_root"
    login_password "$ubuntu_user" "$pw_user"
    login_key root
    login_key "$ubuntu_user"
    login_password_fails root "$pw_user"

    step "podpass disable -u $ubuntu_user, then disable: every file of the shape as installed"
    podpass_ok disable -u "$ubuntu_user"
    podpass_ok disable
    ubuntu_assert_shape installed all
    assert_sshd_serving "$pid"
    ubuntu_expect_password root no
    ubuntu_expect_password "$ubuntu_user" no
    login_password_fails root "$pw_root"
    login_password_fails "$ubuntu_user" "$pw_user"
    login_key root
    login_key "$ubuntu_user"
}

#!/bin/bash
# contrib/kubernetes, run as the kubelet would run the Deployment's container: the
# container's command and args from deployment.yaml (read with python3-yaml), its plain env,
# plus what Kubernetes adds (HOSTNAME, KUBERNETES_SERVICE_*), and its Secret volume mounted
# as the kubelet mounts one: a tmpfs (its root mode 1777, root's) holding a timestamped
# directory with each item's file (root's, the defaultMode or the item's mode), "..data"
# linked to that directory and each item's name linked through "..data", mounted read-only
# at the volumeMount's path; the values from secret.yaml (stringData, or data in base64),
# written as they are. In the image of contrib/docker/Dockerfile with Docker's default
# capabilities (containerd's are the same). deployment.yaml must take the password from a
# file: no env from a Secret, a Secret volume with mode 0400.
#
#   committed-secret  secret.yaml as it is (its password left empty): the container fails
#                     with podpass's exit status 66 and says why; no sshd
#   password          the Secret holding a password: the container gets to its main process
#                     (args); port 22 answers (the readiness probe); the password logs in, a
#                     wrong one does not; no process's environment holds it (nor
#                     PODPASS_PASSWORD); the password in no file but the Secret's, no argv or
#                     log
#   hash              the Secret holding a hash and PODPASS_ENCRYPTED set to "yes" as
#                     secret.yaml says: the hash is root's as given, the password logs in and
#                     was never in the container
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "$0")/common.sh" || exit 1
CONTRIB_CASES=(committed-secret password hash)
contrib_prepare() {
    python3 - "$CONTRIB_DIR/kubernetes/deployment.yaml" "$CONTRIB_DIR/kubernetes/secret.yaml" <<'PY' ||
import base64, shlex, sys
import yaml

def die(msg):
    sys.stderr.write("kubernetes.sh: " + msg + "\n")
    sys.exit(1)

def arr(name, items):
    print("declare -g -a %s=(%s)" % (name, " ".join(shlex.quote(str(x)) for x in items)))

dep_file, sec_file = sys.argv[1:3]
deps = [d for d in yaml.safe_load_all(open(dep_file)) if d and d.get("kind") == "Deployment"]
if len(deps) != 1:
    die("%s: expected one Deployment, found %d" % (dep_file, len(deps)))
pod = deps[0]["spec"]["template"]["spec"]
if len(pod.get("containers", [])) != 1:
    die("%s: expected one container" % dep_file)
c = pod["containers"][0]
if not c.get("command"):
    die("%s: the container has no command (the test runs the Deployment's own)" % dep_file)
if 22 not in [p.get("containerPort") for p in c.get("ports", [])]:
    die("%s: no containerPort 22" % dep_file)
secrets = {}
for d in yaml.safe_load_all(open(sec_file)):
    if d and d.get("kind") == "Secret":
        vals = {k: base64.b64decode(v).decode() for k, v in (d.get("data") or {}).items()}
        vals.update({k: "" if v is None else str(v) for k, v in (d.get("stringData") or {}).items()})
        secrets[d["metadata"]["name"]] = vals
plain = []
for e in c.get("env", []):
    if "value" not in e:
        die("%s: env %s is not a plain value: the password must come from a file, "
            "not an environment variable (kubectl exec env shows those)" % (dep_file, e["name"]))
    plain.append("%s=%s" % (e["name"], e["value"]))
vols = {v["name"]: v for v in pod.get("volumes", [])}
mounts = []
for m in c.get("volumeMounts", []):
    v = vols.get(m["name"]) or die("%s: volumeMount %s has no volume" % (dep_file, m["name"]))
    sv = v.get("secret") or die("%s: volume %s is not a Secret" % (dep_file, m["name"]))
    data = secrets.get(sv["secretName"])
    if data is None:
        die("%s: no Secret %s in %s" % (dep_file, sv["secretName"], sec_file))
    items = sv.get("items") or [{"key": k, "path": k} for k in sorted(data)]
    for it in items:
        if it["key"] not in data:
            die("%s: no key %s in the Secret %s" % (dep_file, it["key"], sv["secretName"]))
        mode = it.get("mode", sv.get("defaultMode", 0o644))
        if mode != 0o400:
            die("%s: the Secret's file %s has mode %o, not 0400" % (dep_file, it["path"], mode))
        mounts.append((m["mountPath"], it["path"], "%o" % mode, data[it["key"]],
                       "ro" if m.get("readOnly") else "rw"))
if len(mounts) != 1:
    die("%s: expected one file from the Secret, found %d" % (dep_file, len(mounts)))
arr("k8s_argv", list(c["command"]) + list(c.get("args") or []))
arr("k8s_env", plain)
arr("k8s_mount", mounts[0])
PY
        contrib_host_fail "could not read contrib/kubernetes"
}
k8s_argv=() k8s_env=() k8s_mount=()
contrib_enter "$@"

pw=$CONTRIB_PW
wrong='not-the-Contrib-pw-1'
kube_env=(HOSTNAME=podpass-demo-5d8f7c9b4-x2x7q KUBERNETES_SERVICE_HOST=10.96.0.1
    KUBERNETES_SERVICE_PORT=443 KUBERNETES_PORT=tcp://10.96.0.1:443)
mnt=${k8s_mount[0]} item=${k8s_mount[1]} mode=${k8s_mount[2]}
secret_file=$mnt/..2026_01_02_03_04_05.123456789/$item

mount_secret() { # VALUE: the Secret volume as the kubelet makes it
    mkdir -p "$mnt"
    mount -t tmpfs -o size=1m contrib-secret "$mnt"
    mkdir -m 0755 "${secret_file%/*}"
    printf '%s' "$1" >"$secret_file" # the builtin: the value in no argv
    chmod "$mode" "$secret_file"
    ln -s "$(basename -- "${secret_file%/*}")" "$mnt/..data"
    ln -s "..data/$item" "$mnt/$item"
    [ "${k8s_mount[4]}" = rw ] || mount -o remount,ro "$mnt"
    [ "$(stat -L -c '%a %U' "$mnt/$item")" = "$mode root" ] || fail "setup: the Secret's file is not root's with mode $mode"
    echo "    the Secret mounted at $mnt ($(stat -c %a "$mnt") on the tmpfs root), $item mode $mode"
}

start_pod() { # the Secret's value: the container as the kubelet starts it
    mount_secret "$1"
    : >"$CONTRIB_LOG"
    contrib_start "$CONTRIB_LOG" "${k8s_env[@]}" "${kube_env[@]}" -- "${k8s_argv[@]}"
}

case ${1:?case} in
committed-secret)
    step "secret.yaml as it is: its empty password is refused, the container fails"
    start_pod "${k8s_mount[3]}"
    contrib_wait_exit "$CONTRIB_PID"
    [ "$CONTRIB_RC" = 66 ] || { contrib_show_log; fail "the container ended with $CONTRIB_RC, not podpass's 66"; }
    echo "    the container ended with exit status 66"
    assert_log_has "$mnt/$item: the password is empty"
    assert_no_sshd
    ;;
password)
    step "the Secret holds a password"
    start_pod "$pw"
    contrib_wait_exec "$CONTRIB_PID" /usr/bin/sleep
    wait_banner
    echo "    port 22 answers (the readiness probe's tcpSocket)"
    login_password root "$pw"
    login_password_fails root "$wrong"
    contrib_assert_env_clean "$CONTRIB_PID" PODPASS_PASSWORD
    contrib_assert_env_clean "$(sshd_listener_pid)" PODPASS_PASSWORD
    pat=$(contrib_pattern "$pw")
    for p in /proc/[0-9]*; do
        if grep -qsaF -f "$pat" "$p/environ"; then
            fail "the password is in the environment of pid ${p#/proc/}: $(tr '\0' ' ' <"$p/cmdline" || true)"
        fi
    done
    echo "    no process's environment holds the password ($(find /proc -maxdepth 1 -name '[0-9]*' | wc -l) processes)"
    CONTRIB_ALLOWED_FILE=$secret_file contrib_assert_hidden "the password" "$pat"
    ;;
hash)
    step "the Secret holds a hash, PODPASS_ENCRYPTED set to yes as secret.yaml says"
    n=0
    for i in "${!k8s_env[@]}"; do
        case ${k8s_env[i]} in PODPASS_ENCRYPTED=*) k8s_env[i]=PODPASS_ENCRYPTED=yes n=$((n + 1)) ;; esac
    done
    [ "$n" = 1 ] || fail "PODPASS_ENCRYPTED is in the container's env $n times, not once"
    hash=$(make_hash "$pw")
    start_pod "$hash"
    contrib_wait_exec "$CONTRIB_PID" /usr/bin/sleep
    [ "$(shadow_field root)" = "$hash" ] || fail "root's hash is not the Secret's"
    echo "    root's hash is the Secret's"
    wait_banner
    login_password root "$pw"
    login_password_fails root "$wrong"
    contrib_assert_hidden "the plaintext password" "$(contrib_pattern "$pw")"
    ;;
*) fail "unknown case: $1" ;;
esac
pass

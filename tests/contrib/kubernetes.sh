#!/bin/bash
# contrib/kubernetes, run as the kubelet would run the Deployment's container: the
# container's command and args from deployment.yaml (read with python3-yaml), its env with
# each secretKeyRef resolved from secret.yaml (stringData, or data in base64), plus what
# Kubernetes adds (HOSTNAME, KUBERNETES_SERVICE_*), in the image of
# contrib/docker/Dockerfile with Docker's default capabilities (containerd's are the same).
#
#   committed-secret  secret.yaml as it is (its password left empty): the container fails
#                     with podpass's exit status 66 and says why; no sshd
#   password          the Secret holding a password: the container gets to its main process
#                     (args); port 22 answers (the readiness probe); the password logs in, a
#                     wrong one does not; PODPASS_PASSWORD is in no environment left; the
#                     password in no file, argv, environment or log
#   hash              the Secret holding a hash and deployment.yaml edited as secret.yaml
#                     says ("podpass enable" -> "podpass enable --encrypted"): the hash is
#                     root's as given, the password logs in and was never in the container
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
plain, names, values = [], [], []
for e in c.get("env", []):
    if "value" in e:
        plain.append("%s=%s" % (e["name"], e["value"]))
        continue
    ref = (e.get("valueFrom") or {}).get("secretKeyRef")
    if ref is None:
        die("%s: env %s: only value and secretKeyRef are handled here" % (dep_file, e["name"]))
    if ref["name"] not in secrets or ref["key"] not in secrets[ref["name"]]:
        die("%s: env %s: no key %s in a Secret %s in %s" % (dep_file, e["name"], ref["key"], ref["name"], sec_file))
    names.append(e["name"])
    values.append(secrets[ref["name"]][ref["key"]])
if names != ["PODPASS_PASSWORD"]:
    die("%s: expected PODPASS_PASSWORD from the Secret, found %s" % (dep_file, names))
arr("k8s_argv", list(c["command"]) + list(c.get("args") or []))
arr("k8s_env", plain)
arr("k8s_secret_names", names)
arr("k8s_secret_values", values)
PY
        contrib_host_fail "could not read contrib/kubernetes"
}
k8s_argv=() k8s_env=() k8s_secret_names=() k8s_secret_values=()
contrib_enter "$@"

pw=$CONTRIB_PW
wrong='not-the-Contrib-pw-1'
kube_env=(HOSTNAME=podpass-demo-5d8f7c9b4-x2x7q KUBERNETES_SERVICE_HOST=10.96.0.1
    KUBERNETES_SERVICE_PORT=443 KUBERNETES_PORT=tcp://10.96.0.1:443)

start_pod() { # PODPASS_PASSWORD's value (the Secret's): the container as the kubelet starts it
    : >"$CONTRIB_LOG"
    contrib_start "$CONTRIB_LOG" "${k8s_env[@]}" "${kube_env[@]}" "${k8s_secret_names[0]}=$1" -- "${k8s_argv[@]}"
}

case ${1:?case} in
committed-secret)
    step "secret.yaml as it is: its empty password is refused, the container fails"
    start_pod "${k8s_secret_values[0]}"
    contrib_wait_exit "$CONTRIB_PID"
    [ "$CONTRIB_RC" = 66 ] || { contrib_show_log; fail "the container ended with $CONTRIB_RC, not podpass's 66"; }
    echo "    the container ended with exit status 66"
    assert_log_has "PODPASS_PASSWORD is set but empty"
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
    contrib_assert_hidden "the password" "$(contrib_pattern "$pw")"
    ;;
hash)
    step "the Secret holds a hash, the command edited as secret.yaml says"
    n=0
    for i in "${!k8s_argv[@]}"; do
        a=${k8s_argv[i]}
        b=${a//podpass enable/podpass enable --encrypted}
        [ "$a" = "$b" ] || n=$((n + $(grep -o 'podpass enable' <<<"$a" | wc -l)))
        k8s_argv[i]=$b
    done
    [ "$n" = 1 ] || fail "\"podpass enable\" is in the container's command $n times, not once"
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

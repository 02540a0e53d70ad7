#!/bin/bash
# contrib/kubernetes run by podman: the Secret of secret.yaml and the Deployment of
# deployment.yaml (podman kube play), with what the test must put in (python3-yaml): the
# Secret's password (a test value), the Deployment's image (CONTRIB_IMAGE), one replica,
# and the container's port 22 published on 127.0.0.1:PORT (hostIP, hostPort).
# deployment.yaml must take the password from a file: no env from a Secret, a Secret
# volume with mode 0400. podman 4.3 (Debian 12), seen here: kube play of a Secret drops
# stringData, refuses data values that are not base64 and writes the volume's file still
# base64-encoded, and a Secret volume without "optional" crashes it. So the Secret goes in
# as podman keeps a kube Secret, by podman secret create of the Secret's document (its
# value under data as it is, which podman 4.3 writes to the file unchanged), the volume
# gets "optional: false" (Kubernetes' default), and kube play runs the Deployment. podman
# 4.3 ignores defaultMode (the file is 0644: podpass warns). The pod joins the engine's
# default network (containers_private_net), not one kube play would make.
#
#   committed-secret  secret.yaml's own (empty) password: the container fails with
#                     podpass's exit status 66 and says why; no sshd
#   password          the Secret holding a password: port 22 answers through the published
#                     port (the readiness probe's tcpSocket), the password logs in, a wrong
#                     one does not; no process's environment holds it (nor
#                     PODPASS_PASSWORD); the password in no file but the Secret's, no argv
#                     (strace: every execve of the kube play) or log
#   hash              a hash in the Secret and PODPASS_ENCRYPTED "yes" as secret.yaml says:
#                     root's hash is the Secret's, the password logs in and was never in
#                     the container
# podman kube down after each.
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "$0")/common.sh" || exit 1
contrib_begin kubernetes
pw=$CONTRIB_PW

# play_yaml VALUE ENCRYPTED ("-": secret.yaml's own value): the Deployment for podman kube
# play (KUBE_YAML) and the Secret (KUBE_YAML.secret); prints the container's name and the
# path of the Secret's file in it.
play_yaml() {
    KUBE_YAML=$WORK/$contrib_case.yaml
    printf '%s' "$1" | python3 -c "$kube_py" "$CONTRIB_DIR/kubernetes/secret.yaml" "$CONTRIB_DIR/kubernetes/deployment.yaml" \
        "$CONTRIB_IMAGE" "$CT_PORT" "$2" "$KUBE_YAML" || fail "could not read contrib/kubernetes"
}

# What play_yaml runs (the value on its stdin).
kube_py=$(cat <<'PY'
import sys, yaml
sec_file, dep_file, image, port, encrypted, out = sys.argv[1:7]
value = sys.stdin.read()
def die(msg):
    sys.exit("kubernetes.sh: " + msg)
secrets = [d for d in yaml.safe_load_all(open(sec_file)) if d and d.get("kind") == "Secret"]
deps = [d for d in yaml.safe_load_all(open(dep_file)) if d and d.get("kind") == "Deployment"]
if len(secrets) != 1 or len(deps) != 1:
    die("expected one Secret and one Deployment")
sec, dep = secrets[0], deps[0]
if value == "-":  # the committed value
    vals = dict(sec.get("stringData") or {})
    if "password" not in vals:
        die("secret.yaml has no stringData password")
    value = "" if vals["password"] is None else str(vals["password"])
sec.pop("stringData", None)
sec["data"] = {"password": value}
dep["spec"]["replicas"] = 1
pod = dep["spec"]["template"]["spec"]
if len(pod.get("containers", [])) != 1:
    die("expected one container")
c = pod["containers"][0]
c["image"] = image
for e in c.get("env", []):
    if "value" not in e:
        die("env %s is not a plain value: the password must come from a file" % e["name"])
    if e["name"] == "PODPASS_ENCRYPTED":
        e["value"] = encrypted
ports = [p for p in c.get("ports", []) if p.get("containerPort") == 22]
if len(ports) != 1:
    die("no containerPort 22")
ports[0]["hostIP"], ports[0]["hostPort"] = "127.0.0.1", int(port)
n = 0
for v in pod.get("volumes", []):
    if "secret" in v:
        n += 1
        if v["secret"].get("secretName") != sec["metadata"]["name"]:
            die("the volume is not the Secret of secret.yaml")
        modes = [it.get("mode", v["secret"].get("defaultMode")) for it in v["secret"].get("items", [{}])]
        if modes != [0o400]:
            die("the Secret's file is not mode 0400: %r" % modes)
        v["secret"]["optional"] = False
if n != 1:
    die("expected one Secret volume, found %d" % n)
mounts = c.get("volumeMounts", [])
items = pod["volumes"][0]["secret"].get("items", [])
path = mounts[0]["mountPath"] + "/" + items[0]["path"]
with open(out + ".secret", "w") as f:
    yaml.safe_dump(sec, f)
with open(out, "w") as f:
    yaml.safe_dump(dep, f)
print(pod["containers"][0]["name"], path)
PY
)

# kube_play VALUE ENCRYPTED: podman kube play (under strace, ct_traced), CT: the
# Deployment's container.
kube_play() {
    play_yaml "$1" "$2" >"$WORK/play.out"
    read -r cname SECRET_FILE <"$WORK/play.out"
    CT=podpass-demo-pod-0-$cname
    CT_TRACE=$WORK/$contrib_case.trace
    podman secret create podpass "$KUBE_YAML.secret" >/dev/null || fail "podman secret create failed"
    rm -f -- "$KUBE_YAML.secret"
    ct_traced "$CT_TRACE" kube play --network podpass-test "$KUBE_YAML"
    echo "    podman secret create (the Secret), podman kube play (the Deployment): container $CT, 127.0.0.1:$CT_PORT"
}

kube_down() {
    podman kube down "$KUBE_YAML" >/dev/null || fail "podman kube down failed"
    podman secret rm podpass >/dev/null || fail "podman secret rm failed"
    ! podman container exists "$CT" || fail "podman kube down left $CT"
    echo "    podman kube down: the pod is gone"
}

ct_case committed-secret
kube_play - no
ct_wait_log "the password is empty"
ct_assert_log "$SECRET_FILE: the password is empty"
i=0 # the kubelet (here podman's restart policy Always) starts it again: its last exit status
until [ "$(podman inspect -f '{{.State.ExitCode}}' "$CT")" = 66 ]; do
    [ "$i" -lt 300 ] || { ct_show_log; fail "the container did not exit with 66"; }
    sleep 0.2
    i=$((i + 1))
done
! ct_logs | grep -q 'starting sshd' || fail "podpass started sshd"
echo "    the container fails with podpass's 66: $SECRET_FILE: the password is empty"
kube_down

ct_case password
kube_play "$pw" no
ct_wait_banner
echo "    port 22 answers (the readiness probe's tcpSocket)"
ct_login_pw "$pw"
ct_login_pw_fails "$CONTRIB_WRONG"
for p in $(ct_exec pgrep -x sleep) $(ct_sshd_pids); do ct_env_clean "$p" PODPASS_PASSWORD; done
ct_hidden "the password" "$pw" "$SECRET_FILE"
ct_argv_clean "$pw"
kube_down

ct_case hash
kube_play "$(printf '%s\n' "$pw" | openssl passwd -6 -stdin)" yes
ct_wait_log "password login for 'root' is on"
[ "$(ct_root_hash)" = "$(ct_exec cat "$SECRET_FILE")" ] ||
    fail "root's hash is not the Secret's"
echo "    root's hash is the Secret's"
ct_login_pw "$pw"
ct_login_pw_fails "$CONTRIB_WRONG"
ct_hidden "the plaintext password" "$pw" ''
kube_down
contrib_end

#!/bin/bash
# Runs shellcheck over every piece of shell in contrib/ and over the tests of tests/contrib/:
#   contrib/docker/start.sh, contrib/vastai/onstart.sh   as files, POSIX sh (their #!/bin/sh:
#                       Debian's sh is dash; vast.ai may run the on-start text with sh)
#   contrib/runpod/start-command   the line as bash, and the script of its bash -c
#   contrib/docker/Dockerfile*     each shell-form RUN command, as /bin/sh -c runs it (its
#                       flags such as --mount=... dropped, continuation lines joined as
#                       Docker joins them); an exec-form RUN or an instruction this parser
#                       does not know fails the check
#   contrib/kubernetes/*.yaml      the script of each container's ["/bin/sh", "-c", SCRIPT]
#   tests/contrib/*.sh             bash, following what they source
# Every extraction must find something. Needs shellcheck and python3 with yaml; no root.
# Exit 0: all clean; 1: a finding or a missing piece.
set -euo pipefail

here=$(cd "$(dirname -- "$0")" && pwd)
contrib=$(cd "${CONTRIB_DIR:-$here/../../contrib}" && pwd)
name=shellcheck
command -v shellcheck >/dev/null 2>&1 || { echo "FAIL $name: shellcheck not found" >&2; exit 1; }
command -v python3 >/dev/null 2>&1 || { echo "FAIL $name: python3 not found" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/podpass-contrib.shellcheck.XXXXXX")
# shellcheck disable=SC2064 # expand now: the path is fixed
trap "rm -rf -- '$tmp'" EXIT
nfail=0
nchecked=0

check() { # WHAT SHELLCHECK_ARGS...
    local what=$1
    shift
    nchecked=$((nchecked + 1))
    if shellcheck "$@" >"$tmp/out" 2>&1; then
        echo "    clean: $what"
    else
        echo "    NOT CLEAN: $what" >&2
        sed -e 's/^/      | /' "$tmp/out" >&2
        nfail=$((nfail + 1))
    fi
}

missing() {
    echo "    MISSING: $*" >&2
    nfail=$((nfail + 1))
}

# snippet NAME DIALECT TEXT: TEXT as a file for shellcheck
snippet() {
    printf '%s\n' "$3" >"$tmp/$1"
    check "$1 ($2)" -s "$2" "$tmp/$1"
}

echo "--- shellcheck is alive (a known finding must be reported)"
# shellcheck disable=SC2016 # the unquoted $1 is the finding wanted
printf '#!/bin/sh\nrm -rf $1/*\n' >"$tmp/known-bad"
if shellcheck "$tmp/known-bad" >/dev/null 2>&1; then
    missing "shellcheck reported nothing on a script with an unquoted \$1"
else
    echo "    it reports an unquoted \$1"
fi

echo "--- contrib scripts"
for f in docker/start.sh vastai/onstart.sh; do
    if [ ! -f "$contrib/$f" ]; then missing "contrib/$f"; continue; fi
    [ "$(head -n 1 "$contrib/$f")" = '#!/bin/sh' ] || missing "contrib/$f does not start with #!/bin/sh"
    check "contrib/$f" "$contrib/$f"
done

echo "--- contrib/runpod/start-command"
f=$contrib/runpod/start-command
if [ ! -f "$f" ]; then
    missing "contrib/runpod/start-command"
else
    check "the line (bash)" -s bash "$f"
    if python3 - "$f" >"$tmp/runpod-inner" <<'PY'; then
import shlex, sys
w = shlex.split(open(sys.argv[1]).read())
if len(w) < 3 or w[0] != "bash" or w[1] != "-c":
    sys.exit("not bash -c SCRIPT: %r" % w[:2])
sys.stdout.write(w[2])
PY
        snippet runpod-bash-c bash "$(cat "$tmp/runpod-inner")"
    else
        missing "the start command is not 'bash -c SCRIPT'"
    fi
fi

# run_steps DOCKERFILE: its shell-form RUN commands, NUL-terminated.
run_steps() {
    python3 - "$1" <<'PY'
import re, sys
known = {"FROM", "ARG", "ENV", "COPY", "RUN", "CMD", "ENTRYPOINT", "EXPOSE", "LABEL"}
logical, buf = [], ""
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if not buf and (not line.strip() or line.lstrip().startswith("#")):
        continue
    if buf and line.lstrip().startswith("#"):
        continue  # a comment inside a continuation: Docker skips it
    if re.search(r"\\\s*$", line):
        buf += re.sub(r"\\\s*$", "", line)
        continue
    logical.append(buf + line)
    buf = ""
if buf:
    sys.exit("a continuation at the end of the file")
for ins in logical:
    word, _, rest = ins.strip().partition(" ")
    if word.upper() not in known:
        sys.exit("an instruction this check does not know: " + word)
    if word.upper() != "RUN":
        continue
    rest = rest.strip()
    while rest.startswith("--"):
        rest = rest.split(None, 1)[1] if " " in rest else ""
    if rest.startswith("["):
        sys.exit("an exec-form RUN: " + rest)
    sys.stdout.write(rest + "\0")
PY
}

echo "--- RUN steps of contrib/docker/Dockerfile*"
for df in "$contrib"/docker/Dockerfile*; do
    [ -f "$df" ] || continue
    n=0
    while IFS= read -r -d '' step; do
        n=$((n + 1))
        snippet "$(basename "$df")-RUN-$n" sh "$step"
    done < <(run_steps "$df" || echo "PARSE-FAILED")
    [ "$n" -gt 0 ] || missing "no RUN step found in $(basename "$df")"
done
[ -f "$contrib/docker/Dockerfile" ] || missing "contrib/docker/Dockerfile"
[ -f "$contrib/docker/Dockerfile.baked" ] || missing "contrib/docker/Dockerfile.baked"

echo "--- container scripts of contrib/kubernetes/*.yaml"
n=0
for y in "$contrib"/kubernetes/*.yaml; do
    [ -f "$y" ] || continue
    python3 - "$y" "$tmp/k8s-$(basename "$y" .yaml)" <<'PY' || missing "cannot read $y"
import sys, yaml
src, out = sys.argv[1:3]
n = 0
def containers(d):
    spec = d.get("spec") or {}
    if "template" in spec:
        spec = spec["template"].get("spec") or {}
    return (spec.get("containers") or []) + (spec.get("initContainers") or [])
for d in yaml.safe_load_all(open(src)):
    if not d:
        continue
    for c in containers(d):
        cmd = list(c.get("command") or []) + list(c.get("args") or [])
        if len(cmd) >= 3 and cmd[0] in ("/bin/sh", "sh", "/bin/bash", "bash") and cmd[1] == "-c":
            n += 1
            with open("%s-%s-%d.%s" % (out, c["name"], n, "bash" if "bash" in cmd[0] else "sh"), "w") as f:
                f.write(cmd[2])
PY
done
for s in "$tmp"/k8s-*; do
    [ -f "$s" ] || continue
    n=$((n + 1))
    check "$(basename "$s")" -s "${s##*.}" "$s"
done
[ "$n" -gt 0 ] || missing "no container script in contrib/kubernetes/*.yaml"

echo "--- tests/contrib/*.sh"
for f in "$here"/*.sh; do
    check "tests/contrib/$(basename "$f")" -x "$f"
done

if [ "$nfail" -gt 0 ]; then
    echo "FAIL $name: $nfail finding(s) or missing piece(s), $nchecked checked" >&2
    exit 1
fi
echo "PASS $name ($nchecked checked)"

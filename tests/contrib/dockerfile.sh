#!/bin/bash
# A small Dockerfile interpreter, enough to build contrib/docker's images without a Docker
# engine, the way BuildKit would:
#
#   dockerfile.sh build -f DOCKERFILE [--secret id=ID,src=FILE]... [--build-arg NAME=VALUE]...
#                 CONTEXT OUT
#   dockerfile.sh steps -f DOCKERFILE      the shell-form RUN commands, NUL-terminated
#
# build writes OUT/rootfs (the image's files) and OUT/config/{env,entrypoint,cmd} (the
# container's environment and command, NUL-separated, as `docker inspect` would give them).
#
# Instructions understood, and nothing else (anything else fails the build, so that a
# Dockerfile never builds here differently from Docker):
#   FROM debian:SUITE[-slim]   the root of tests/distros/mkroot.sh SUITE, copied, made to look
#                       like Debian's docker image where it matters here: /usr/sbin/policy-rc.d
#                       (exit 101: no service starts during a build), no openssh-server
#                       installed (the root has it for the tests; the Dockerfile must install
#                       it itself), no host keys, CMD ["bash"], PATH as in the image. The
#                       extra packages of the root (openssh-client, sshpass, procps, iproute2,
#                       python3) stay: the tests need them.
#   ARG NAME[=DEFAULT]  in RUN's environment only (--build-arg overrides DEFAULT)
#   ENV NAME=VALUE...   in RUN's and the container's environment (no quotes)
#   COPY SRC... DEST    from CONTEXT, globs allowed, mode kept, owner root (--chmod=MODE)
#   RUN CMD             /bin/sh -c CMD (or the exec form ["prog", "arg"]), chrooted into the
#                       image in private mount and pid namespaces, with /proc, a small /dev
#                       and the host's /etc/resolv.conf (a build has the network), as root
#                       with Docker's default capabilities only.
#     --mount=type=secret,id=ID[,target=PATH][,required=true][,mode=0400][,uid=0][,gid=0]
#                       the --secret of that ID on a tmpfs at PATH (/run/secrets/ID), for that
#                       step only; a missing secret fails the step when required=true, and is
#                       left out otherwise.
#   CMD, ENTRYPOINT     exec form (JSON) or shell form; ENTRYPOINT drops a CMD inherited from
#                       FROM, as Docker does
#   EXPOSE, LABEL       recorded nowhere
# Comments, parser directives (but # escape=), blank lines and line continuations as Docker.
set -euo pipefail

prog=dockerfile.sh
here=$(cd "$(dirname -- "$0")" && pwd)
mkroot=${PODPASS_MKROOT:-$here/../distros/mkroot.sh}

# Docker's default capabilities (moby's oci/caps/defaults.go; containerd's are the same).
DOCKER_CAPS=chown,dac_override,fsetid,fowner,mknod,net_raw,setgid,setuid,setfcap,setpcap,net_bind_service,sys_chroot,kill,audit_write
DEBIAN_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

die() {
    echo "$prog: $*" >&2
    exit 1
}

# ---------------------------------------------------------------- parsing

# df_parse FILE: the instructions of FILE in DF_INSTR (upper case), DF_ARGS (the rest, with
# continuations joined) and DF_LINE (the line each starts on).
df_parse() {
    local file=$1 line n=0 buf='' start=0 cont=0 first=1
    local re_cont='^(.*)\\[[:space:]]*$' re_comment='^[[:space:]]*#' re_blank='^[[:space:]]*$'
    local re_escape='^#[[:space:]]*escape[[:space:]]*='
    DF_INSTR=() DF_ARGS=() DF_LINE=()
    [ -f "$file" ] || die "no such Dockerfile: $file"
    while IFS= read -r line || [ -n "$line" ]; do
        n=$((n + 1))
        line=${line%$'\r'}
        if [ "$first" = 1 ] && [[ $line =~ $re_escape ]]; then
            die "$file:$n: the escape parser directive is not supported"
        fi
        # Comment lines are dropped, also inside a continuation (as Docker does).
        if [[ $line =~ $re_comment ]]; then continue; fi
        if [[ $line =~ $re_blank ]]; then continue; fi
        first=0
        [ "$cont" = 1 ] || start=$n
        if [[ $line =~ $re_cont ]]; then
            buf+="${BASH_REMATCH[1]}"
            cont=1
            continue
        fi
        buf+=$line
        cont=0
        df_add "$start" "$buf"
        buf=''
    done <"$file"
    [ "$cont" = 0 ] || die "$file:$start: a line continuation runs to the end of the file"
    [ "${#DF_INSTR[@]}" -gt 0 ] || die "$file: no instructions"
}

df_add() { # LINE TEXT
    local text=$2 word
    text=${text#"${text%%[![:space:]]*}"}
    word=${text%%[[:space:]]*}
    text=${text#"$word"}
    text=${text#"${text%%[![:space:]]*}"}
    DF_INSTR+=("${word^^}")
    DF_ARGS+=("$text")
    DF_LINE+=("$1")
}

# json_array TEXT: print the elements of a JSON array of strings, NUL-terminated; fail
# (status 1) when TEXT is not one (Docker then takes the text as shell form).
json_array() {
    python3 -c '
import json, sys
try:
    v = json.loads(sys.argv[1])
except ValueError:
    sys.exit(1)
if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
    sys.exit(1)
for x in v:
    if "\0" in x:
        sys.exit(1)
    sys.stdout.write(x + "\0")
' "$1"
}

# split_flags ARGS: leading --flags of an instruction into FLAGS, the rest into REST.
split_flags() {
    local a=$1 f
    FLAGS=()
    while [[ $a == --* ]]; do
        f=${a%%[[:space:]]*}
        FLAGS+=("$f")
        a=${a#"$f"}
        a=${a#"${a%%[![:space:]]*}"}
    done
    REST=$a
}

# ---------------------------------------------------------------- the image

# base_image IMAGE: the mkroot suite for a debian:SUITE[-slim] image.
base_suite() {
    local img=$1 tag
    case $img in
    debian:*) tag=${img#debian:} ;;
    *) die "FROM $img: only debian:SUITE[-slim] images are known here" ;;
    esac
    tag=${tag%-slim}
    case $tag in
    *[!a-z]* | '') die "FROM $img: not a Debian suite name: $tag" ;;
    esac
    printf '%s\n' "$tag"
}

# in_image ROOTFS ENV_FILE CMD...: run CMD chrooted into ROOTFS as a build step runs.
# ENV_FILE: NUL-separated NAME=VALUE. Secrets from SECRET_MOUNTS (TARGET\tSRC\tMODE\tUID\tGID).
in_image() {
    local rootfs=$1 envfile=$2
    shift 2
    local -a env=()
    local kv
    while IFS= read -r -d '' kv; do env+=("$kv"); done <"$envfile"
    # resolv.conf is bind-mounted over the image's; a missing one is made for the mount and
    # removed again afterwards (Docker leaves none behind either).
    local made_resolv=0 made_secrets=0
    if [ ! -e "$rootfs/etc/resolv.conf" ] && [ ! -L "$rootfs/etc/resolv.conf" ]; then
        : >"$rootfs/etc/resolv.conf"
        made_resolv=1
    fi
    if [[ ${SECRET_MOUNTS:-} == *[![:space:]]* ]] && [ ! -d "$rootfs/run/secrets" ]; then
        mkdir -p "$rootfs/run/secrets"
        made_secrets=1
    fi
    local rc=0
    unshare --mount --pid --uts --fork --kill-child --propagation private \
        bash -c "$(declare -f step_inside)"'; step_inside "$@"' step_inside \
        "$rootfs" "$DOCKER_CAPS" "${SECRET_MOUNTS:-}" "${#env[@]}" "${env[@]}" "$@" || rc=$?
    [ "$made_resolv" = 0 ] || rm -f "$rootfs/etc/resolv.conf"
    [ "$made_secrets" = 0 ] || rmdir "$rootfs/run/secrets" 2>/dev/null || true
    return "$rc"
}

# Inside the step's namespaces (pid 1 of its own pid namespace).
step_inside() {
    set -eu
    local rootfs=$1 caps=$2 secrets=$3 nenv=$4
    shift 4
    hostname buildkitsandbox
    local -a env=("${@:1:nenv}")
    shift "$nenv"
    mount -t proc proc "$rootfs/proc"
    mount -t tmpfs -o mode=0755,nosuid,size=1m build-dev "$rootfs/dev"
    local d
    for d in null zero full random urandom tty; do
        : >"$rootfs/dev/$d"
        mount --bind "/dev/$d" "$rootfs/dev/$d"
    done
    ln -s /proc/self/fd "$rootfs/dev/fd"
    ln -s /proc/self/fd/0 "$rootfs/dev/stdin"
    ln -s /proc/self/fd/1 "$rootfs/dev/stdout"
    ln -s /proc/self/fd/2 "$rootfs/dev/stderr"
    mkdir -m 1777 "$rootfs/dev/shm"
    mount --bind /etc/resolv.conf "$rootfs/etc/resolv.conf"
    local line target src mode uid gid
    if [[ $secrets == *[![:space:]]* ]]; then
        mount -t tmpfs -o mode=0755,nosuid,nodev,noexec,size=1m build-secrets "$rootfs/run/secrets"
        while IFS=$'\t' read -r target src mode uid gid; do
            [ -n "$target" ] || continue
            install -m "$mode" -o "$uid" -g "$gid" -- "$src" "$rootfs$target"
        done <<<"$secrets"
    fi
    # Docker's capabilities, nothing inherited beyond them.
    exec env -i "${env[@]}" setpriv --bounding-set "-all,+${caps//,/,+}" --inh-caps -all \
        chroot "$rootfs" "$@"
}

# ---------------------------------------------------------------- build

build() {
    local dockerfile='' context='' out='' arg
    local -a secrets=() build_args=()
    while [ "$#" -gt 0 ]; do
        case $1 in
        -f) dockerfile=$2; shift 2 ;;
        --secret) secrets+=("$2"); shift 2 ;;
        --build-arg) build_args+=("$2"); shift 2 ;;
        -*) die "build: unknown option $1" ;;
        *) break ;;
        esac
    done
    [ "$#" = 2 ] || die "usage: $prog build -f DOCKERFILE [--secret id=ID,src=FILE] [--build-arg N=V] CONTEXT OUT"
    context=$(cd "$1" && pwd) || die "no such context directory: $1"
    out=$2
    [ -n "$dockerfile" ] || dockerfile=$context/Dockerfile
    [ "$(id -u)" = 0 ] || die "build needs root (chroot, namespaces)"
    df_parse "$dockerfile"

    # --secret id=ID,src=FILE
    declare -A secret_src=()
    local s id src kv
    for s in "${secrets[@]}"; do
        id='' src=''
        IFS=, read -r -a kv <<<"$s"
        for arg in "${kv[@]}"; do
            case $arg in
            id=*) id=${arg#id=} ;;
            src=* | source=*) src=${arg#*=} ;;
            *) die "--secret $s: unknown field $arg" ;;
            esac
        done
        if [ -z "$id" ] || [ ! -f "$src" ]; then die "--secret $s: needs id= and src= naming a file"; fi
        secret_src[$id]=$(readlink -f -- "$src")
    done
    declare -A given_args=()
    for arg in "${build_args[@]}"; do given_args[${arg%%=*}]=${arg#*=}; done

    mkdir -p "$out"
    out=$(cd "$out" && pwd)
    [ ! -e "$out/rootfs" ] || die "$out/rootfs exists already"
    local rootfs=$out/rootfs
    mkdir -p "$out/config"
    local -a img_env=() run_args=() entrypoint=() cmd=()
    local cmd_from_base=0 i n=${#DF_INSTR[@]} instr args where
    local re_arg='^[A-Za-z_][A-Za-z0-9_]*(=[^[:space:]"'"'"'$\\]*)?$'
    local re_env='^[A-Za-z_][A-Za-z0-9_]*=[^"'"'"'$\\]*$'
    for ((i = 0; i < n; i++)); do
        instr=${DF_INSTR[i]} args=${DF_ARGS[i]} where="$dockerfile:${DF_LINE[i]}"
        if [ "$i" = 0 ] && [ "$instr" != FROM ]; then die "$where: the first instruction must be FROM"; fi
        echo "#$((i + 1)) $instr $args" >&2
        case $instr in
        FROM)
            [ "$i" = 0 ] || die "$where: one FROM only (no multi-stage builds here)"
            [[ $args != --* ]] || die "$where: FROM flags are not supported"
            [[ $args != *[[:space:]]* ]] || die "$where: FROM IMAGE only (no AS NAME)"
            local suite base
            suite=$(base_suite "$args")
            base=$("$mkroot" "$suite") || die "$where: no $suite root (tests/distros/mkroot.sh $suite)"
            cp -a -- "$base" "$rootfs"
            rm -f "$rootfs/.podpass-root"
            printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
            chmod 0755 "$rootfs/usr/sbin/policy-rc.d"
            img_env=("PATH=$DEBIAN_PATH")
            cmd=(bash) cmd_from_base=1 entrypoint=()
            write_env "$out/config/build.env" "${img_env[@]}" HOME=/root
            SECRET_MOUNTS='' in_image "$rootfs" "$out/config/build.env" /bin/sh -c \
                'dpkg --purge openssh-server >/dev/null && rm -f /etc/ssh/ssh_host_*' ||
                die "$where: could not remove openssh-server from the base root"
            ;;
        ARG)
            [[ $args =~ $re_arg ]] || die "$where: ARG NAME[=VALUE] (no quotes, \$ or \\, one per line)"
            local name=${args%%=*} value=''
            [[ $args != *=* ]] || value=${args#*=}
            if [ -n "${given_args[$name]+set}" ]; then value=${given_args[$name]}; fi
            if [[ $args == *=* ]] || [ -n "${given_args[$name]+set}" ]; then
                run_args+=("$name=$value")
            fi
            ;;
        ENV)
            local -a pairs kept
            local e
            read -r -a pairs <<<"$args"
            for kv in "${pairs[@]}"; do
                [[ $kv =~ $re_env ]] || die "$where: ENV NAME=VALUE ... (no quotes, \$ or \\)"
                kept=()
                for e in "${img_env[@]}"; do
                    [[ $e == "${kv%%=*}="* ]] || kept+=("$e")
                done
                img_env=("${kept[@]}" "$kv")
            done
            ;;
        COPY)
            copy_step "$where" "$context" "$rootfs" "$args"
            ;;
        RUN)
            run_step "$where" "$rootfs" "$args" "$out/config/build.env" \
                "${img_env[@]}" HOME=/root "${run_args[@]}"
            ;;
        CMD | ENTRYPOINT)
            local -a argv=()
            if [[ $args == \[* ]] && json_array "$args" >"$out/config/json.tmp"; then
                mapfile -d '' -t argv <"$out/config/json.tmp"
            else
                argv=(/bin/sh -c "$args")
            fi
            rm -f "$out/config/json.tmp"
            if [ "$instr" = CMD ]; then
                cmd=("${argv[@]}") cmd_from_base=0
            else
                entrypoint=("${argv[@]}")
                if [ "$cmd_from_base" = 1 ]; then cmd=() cmd_from_base=0; fi
            fi
            ;;
        EXPOSE | LABEL) ;;
        *) die "$where: instruction $instr is not supported here" ;;
        esac
    done
    write_env "$out/config/env" "${img_env[@]}"
    write_nul "$out/config/entrypoint" "${entrypoint[@]}"
    write_nul "$out/config/cmd" "${cmd[@]}"
    rm -f "$out/config/build.env"
    echo "$prog: built $out/rootfs" >&2
}

write_env() { # FILE NAME=VALUE...
    local f=$1
    shift
    : >"$f"
    [ "$#" = 0 ] || printf '%s\0' "$@" >"$f"
}

write_nul() { write_env "$@"; }

copy_step() { # WHERE CONTEXT ROOTFS ARGS
    local where=$1 context=$2 rootfs=$3 args=$4 f chmod=''
    split_flags "$args"
    for f in "${FLAGS[@]}"; do
        case $f in
        --chmod=*) chmod=${f#--chmod=} ;;
        *) die "$where: COPY $f is not supported here" ;;
        esac
    done
    [[ $REST != \[* ]] || die "$where: the JSON form of COPY is not supported here"
    [[ $REST != *[\"\'\$]* ]] || die "$where: quotes and \$ in COPY are not supported here"
    local -a words srcs=()
    read -r -a words <<<"$REST"
    [ "${#words[@]}" -ge 2 ] || die "$where: COPY SRC... DEST"
    local dest=${words[-1]} w
    unset 'words[-1]'
    [[ $dest == /* ]] || die "$where: COPY to a relative path is not supported here (no WORKDIR)"
    for w in "${words[@]}"; do
        [[ $w != /* && $w != *..* ]] || die "$where: COPY source outside the context: $w"
        local -a m=()
        mapfile -t m < <(cd "$context" && { compgen -G "$w" || true; })
        [ "${#m[@]}" -gt 0 ] || die "$where: COPY: no source files match $w in the context"
        srcs+=("${m[@]}")
    done
    local target
    if [[ $dest == */ ]] || [ "${#srcs[@]}" -gt 1 ] || [ -d "$rootfs$dest" ]; then
        mkdir -p "$rootfs$dest"
        for w in "${srcs[@]}"; do
            target=$rootfs${dest%/}/$(basename -- "$w")
            copy_one "$where" "$context/$w" "$target" "$chmod"
        done
    else
        mkdir -p "$(dirname -- "$rootfs$dest")"
        copy_one "$where" "$context/${srcs[0]}" "$rootfs$dest" "$chmod"
    fi
}

copy_one() { # WHERE SRC TARGET CHMOD
    [ -f "$2" ] || die "$1: COPY of a directory or special file is not supported here: $2"
    cp --no-preserve=ownership -p -- "$2" "$3"
    chown 0:0 "$3"
    [ -z "$4" ] || chmod "$4" "$3"
}

run_step() { # WHERE ROOTFS ARGS ENVFILE NAME=VALUE...
    local where=$1 rootfs=$2 args=$3 envfile=$4 f
    shift 4
    write_env "$envfile" "$@"
    local mounts=''
    split_flags "$args"
    for f in "${FLAGS[@]}"; do
        case $f in
        --mount=*) mounts+=$(mount_spec "$where" "${f#--mount=}")$'\n' || exit 1 ;;
        *) die "$where: RUN $f is not supported here" ;;
        esac
    done
    [[ $REST != *'<<'* ]] || die "$where: here-documents in RUN are not supported here"
    local -a argv
    if [[ $REST == \[* ]] && json_array "$REST" >"$envfile.argv"; then
        mapfile -d '' -t argv <"$envfile.argv"
    else
        argv=(/bin/sh -c "$REST")
    fi
    rm -f "$envfile.argv"
    local rc=0
    SECRET_MOUNTS=$mounts in_image "$rootfs" "$envfile" "${argv[@]}" || rc=$?
    [ "$rc" = 0 ] || die "$where: RUN failed with exit status $rc"
}

# mount_spec WHERE SPEC: a secret mount as TARGET\tSRC\tMODE\tUID\tGID (nothing when the
# secret is missing and not required).
mount_spec() {
    local where=$1 spec=$2 opt type='' id='' target='' required=false mode=0400 uid=0 gid=0
    local -a opts
    IFS=, read -r -a opts <<<"$spec"
    for opt in "${opts[@]}"; do
        case $opt in
        type=*) type=${opt#type=} ;;
        id=*) id=${opt#id=} ;;
        target=* | dst=* | destination=*) target=${opt#*=} ;;
        required | required=true) required=true ;;
        required=false) required=false ;;
        mode=*) mode=${opt#mode=} ;;
        uid=*) uid=${opt#uid=} ;;
        gid=*) gid=${opt#gid=} ;;
        *) die "$where: --mount option $opt is not supported here" ;;
        esac
    done
    [ "$type" = secret ] || die "$where: --mount=type=$type is not supported here (secret only)"
    [ -n "$id" ] || [ -n "$target" ] || die "$where: a secret mount needs id= or target="
    [ -n "$id" ] || id=${target##*/}
    [ -n "$target" ] || target=/run/secrets/$id
    [[ ${target%/*} == /run/secrets && $target != *$'\t'* ]] ||
        die "$where: secret target $target: only /run/secrets/NAME is supported here"
    if [ -z "${secret_src[$id]+set}" ]; then
        [ "$required" = false ] || die "$where: secret $id: not provided (--secret id=$id,src=FILE) and required"
        echo "$prog: $where: secret $id not provided, not mounted" >&2
        return 0
    fi
    printf '%s\t%s\t%s\t%s\t%s\n' "$target" "${secret_src[$id]}" "$mode" "$uid" "$gid"
}

# ---------------------------------------------------------------- steps

steps() {
    local dockerfile='' i
    if [ "${1:-}" != -f ] || [ "$#" != 2 ]; then die "usage: $prog steps -f DOCKERFILE"; fi
    dockerfile=$2
    df_parse "$dockerfile"
    for ((i = 0; i < ${#DF_INSTR[@]}; i++)); do
        [ "${DF_INSTR[i]}" = RUN ] || continue
        split_flags "${DF_ARGS[i]}"
        if [[ $REST == \[* ]] && json_array "$REST" >/dev/null; then continue; fi
        printf '%s\0' "$REST"
    done
}

case ${1:-} in
build) shift; build "$@" ;;
steps) shift; steps "$@" ;;
*) die "usage: $prog build ... | steps -f DOCKERFILE" ;;
esac

#!/bin/bash
# Two release builds of one commit must be byte-identical.
#
#   [REF=commit] tests/release/reproducible.sh WORKDIR
#
# tests/release/release.sh runs twice, one after the other (the second starts after
# the first ended, on the real clock), each with its own temporary directory and
# output directory under WORKDIR (WORKDIR/a, WORKDIR/b). Their SHA256SUMS must be
# equal and so must every file, byte for byte; on a difference the file is named with
# its first differing bytes (cmp -l), and for a binary the differences of readelf's
# headers and notes (build ids). The release of the first run stays in WORKDIR/a.
# Exit 0 when identical.
set -eu
set -o pipefail
export LC_ALL=C
name=reproducible
fail() {
    echo "FAIL $name: $*" >&2
    exit 1
}
ref=${REF:-HEAD}
[ $# = 1 ] || { echo "usage: [REF=commit] $0 WORKDIR" >&2; exit 64; }
here=$(dirname -- "$(readlink -f -- "$0")")
mkdir -p -- "$1"
work=$(readlink -f -- "$1")
rm -rf -- "$work/a" "$work/b" "$work/tmp-a" "$work/tmp-b"

for run in a b; do
    mkdir "$work/tmp-$run"
    echo "--- build $run: $(date -u '+%Y-%m-%d %H:%M:%S') in $work/tmp-$run" >&2
    REF=$ref TMPDIR=$work/tmp-$run "$here/release.sh" "$work/$run" ||
        fail "release build $run failed"
    rmdir "$work/tmp-$run"
done

differ=
for f in "$work"/a/* "$work"/b/*; do
    f=${f##*/}
    case " $differ " in *" $f "*) continue ;; esac
    if [ ! -f "$work/a/$f" ] || [ ! -f "$work/b/$f" ]; then
        differ="$differ $f"
        echo "=== only in one build: $f" >&2
        continue
    fi
    cmp -s "$work/a/$f" "$work/b/$f" && continue
    differ="$differ $f"
    echo "=== $f differs ($(cmp -l "$work/a/$f" "$work/b/$f" | wc -l) bytes); first differences (offset a b, octal):" >&2
    cmp -l "$work/a/$f" "$work/b/$f" | head -n 10 >&2 || true
    if readelf -h "$work/a/$f" >/dev/null 2>&1; then
        diff <(readelf -h -S -n "$work/a/$f") <(readelf -h -S -n "$work/b/$f") >&2 || true
    fi
done
[ -z "$differ" ] || fail "the two builds differ:$differ"
cat "$work/a/SHA256SUMS" >&2
echo "PASS $name: two builds of $ref, identical ($(wc -l <"$work/a/SHA256SUMS") files and SHA256SUMS)" >&2

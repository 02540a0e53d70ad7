#!/bin/bash
# The synopses agree: each command's line in "podpass --help" (printed from the
# command table in src/options.c), in podpass(8)'s SYNOPSIS, as groff renders it,
# and in README.md's "The commands" block name the same options in the same order.
# Line breaks and runs of spaces do not count; every word and bracket does. Needs
# groff (Debian: groff-base); no root, no namespaces.
#
# Environment: PODPASS (the binary), srcdir (the source tree; make check sets both).
set -eu
set -o pipefail

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

: "${PODPASS:?PODPASS must name the podpass binary}"
man8=${srcdir:-.}/man/podpass.8
[ -r "$man8" ] || fail "$man8 is missing"
command -v groff >/dev/null 2>&1 || fail "groff is needed (Debian package groff-base)"
work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT

# synopses: the lines read on stdin, one synopsis a line: a line whose first word
# is "podpass" (after "usage:") starts one, the next lines continue it.
synopses() {
    awk '
        { sub(/^usage:/, "") }
        $1 == "podpass" { if (s != "") print s; s = "" }
        NF > 0 && (s != "" || $1 == "podpass") { $1 = $1; s = s == "" ? $0 : s " " $0 }
        END { if (s != "") print s }
    '
}

# --help: the lines before the first empty one.
"$PODPASS" --help >"$work/help.txt" || fail "podpass --help exited $?"
sed -n '/^$/q; p' "$work/help.txt" | synopses >"$work/help.syn"

# podpass(8): the text between the SYNOPSIS and DESCRIPTION headings, no
# hyphenation, no bold or underline.
LC_ALL=C groff -man -Tascii -P-cbou -rHY=0 "$man8" >"$work/man.txt" 2>"$work/groff.err" ||
    fail "groff could not render $man8: $(cat "$work/groff.err")"
sed -n '/^SYNOPSIS$/,/^DESCRIPTION$/p' "$work/man.txt" | sed '1d; $d' | synopses >"$work/man.syn"

# README.md: the code block after the heading "## The commands".
readme=${srcdir:-.}/README.md
[ -r "$readme" ] || fail "$readme is missing"
# shellcheck disable=SC2016 # a sed address, not an expansion
sed -n '/^## The commands$/,/^## /p' "$readme" | sed -n '/^```$/,/^```$/p' | sed '1d; $d' |
    synopses >"$work/readme.syn"

# Four synopses (enable, disable, status, --help | --version) on each side.
for f in help man readme; do
    n=$(wc -l <"$work/$f.syn")
    [ "$n" -eq 4 ] || fail "$f: $n synopses instead of 4: $(cat "$work/$f.syn")"
done
if ! diff -u "$work/man.syn" "$work/help.syn" >"$work/diff"; then
    cat "$work/diff" >&2
    fail "podpass --help (+) and podpass(8)'s SYNOPSIS (-) differ"
fi
if ! diff -u "$work/readme.syn" "$work/help.syn" >"$work/diff"; then
    cat "$work/diff" >&2
    fail "podpass --help (+) and README.md's \"The commands\" (-) differ"
fi
sed 's/^/    /' "$work/help.syn"
echo "PASS: podpass --help, podpass(8) and README.md show the same four synopses"

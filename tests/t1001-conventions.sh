#!/bin/sh
# The conventions every program shares (one funnel, cmd/lib/prog.c): -V and
# --version print exactly "PROG (mcsync) VERSION" and exit 0; --help prints
# the usage on stdout and exits 0; a bad option exits 2 and says "Try 'PROG
# --help'" on stderr, with nothing on stdout.
. "$(dirname "$0")/lib.sh"

VERSION=$(sed -n 's/^VERSION := *//p' "$TOP/Makefile")
[ -n "$VERSION" ] || fail "the version" "no VERSION := line in the Makefile"

for p in mc-cat mc-binlog-tail mc-snapshot mc-tunnel-put mc-merge mc-transform; do
	if [ ! -x "$BIN/$p" ]; then
		fail "$p is built" "no $BIN/$p"
		continue
	fi
	for v in -V --version; do
		expect_ok "$p $v exits 0" "$p" "$v"
		expect_eq "$p $v prints '$p (mcsync) $VERSION'" "$(cat "$T/out")" \
			"$p (mcsync) $VERSION"
		expect_eq "$p $v prints one line" "$(wc -l <"$T/out" | tr -d ' ')" 1
		expect_eq "$p $v writes nothing on stderr" "$(cat "$T/err")" ""
	done
	expect_ok "$p --help exits 0" "$p" --help
	expect_grep "$p --help prints the usage on stdout" "^Usage: $p " "$T/out"
	expect_eq "$p --help writes nothing on stderr" "$(cat "$T/err")" ""
	for bad in --no-such-option -Q; do
		expect_code 2 "$p $bad exits 2" "$p" "$bad"
		expect_grep "$p $bad says Try '$p --help'" "Try '$p --help'" "$T/err"
		expect_eq "$p $bad writes nothing on stdout" "$(cat "$T/out")" ""
	done
done

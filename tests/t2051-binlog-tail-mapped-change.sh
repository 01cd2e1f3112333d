#!/bin/sh
# A binlog file that changes while mc-binlog-tail reads it: bytes appended
# after it was opened are read (the same records as the whole file), and a
# file cut short while it is read (a truncation, a copy over it) stops the
# run with exit 1 and one line naming the file, the offset of the event
# being read and the size it had, instead of ending quietly where the cut
# fell; the records written before it are whole (a prefix of the full
# output). mc-binlog-tail is held with its output pipe full (a reader that
# waits) while the file changes.
. "$(dirname "$0")/lib.sh"
J=$FIXTURES/binlog/mysql-binlog-connector-java/src/test/resources
mkdir -p "$T/d"
F=$T/d/mysql-bin.000001
gunzip -c "$J/mysql-bin.sakila.gz" >"$T/full"
size=$(wc -c <"$T/full")
cp "$T/full" "$F"
mc-binlog-tail --fk-cascades=pass "$F" >"$T/want" 2>/dev/null

# held F CHANGE: mc-binlog-tail on F into a reader that waits for $T/go;
# once F is open, run CHANGE, then let the reader go. Sets rc (its exit
# code); its output in $T/got, messages in $T/got.err.
held() {
	rm -f "$T/go" "$T/pid" "$T/rc"
	{ sh -c 'echo $$ >"$1"; exec mc-binlog-tail --fk-cascades=pass "$2" 2>"$3"; ' sh "$T/pid" "$1" "$T/got.err"
		echo $? >"$T/rc"; } |
		{ while [ ! -e "$T/go" ]; do sleep 0.05; done; cat >"$T/got"; } &
	_p=$!
	wait_for . "$T/pid" 100 || { fail "$3" "mc-binlog-tail did not start"; return 1; }
	_i=0
	while ! ls -l "/proc/$(cat "$T/pid")/fd" 2>/dev/null | grep -q -- "-> $1\$"; do
		_i=$((_i + 1))
		[ $_i -gt 200 ] && { fail "$3" "the file was never opened"; break; }
		sleep 0.05
	done
	sleep 0.2 # its output pipe fills: it waits in write(2)
	eval "$2"
	: >"$T/go"
	wait "$_p"
	rc=$(cat "$T/rc")
}

# Growing: opened at 1,000,000 bytes (inside an event), the rest appended.
head -c 1000000 "$T/full" >"$F"
held "$F" 'tail -c +1000001 "$T/full" >>"$F"' "growing"
expect_eq "a file grown after it was opened: exit 0" "$rc" 0
expect_same "a file grown after it was opened: the records of the whole file" "$T/got" "$T/want"

# Cut short: the whole file opened, then truncated to 300,000 bytes.
cp "$T/full" "$F"
held "$F" 'truncate -s 300000 "$F"' "cut short"
expect_eq "a file cut short while read: exit 1" "$rc" 1
cp "$T/got.err" "$T/err"
expect_grep "a file cut short while read: file, offset and size in one line" \
	"^mc-binlog-tail: '$F': offset [0-9]+: the file was cut short while it was read \\(it had $size bytes when opened\\)$" \
	"$T/err"
expect_eq "a file cut short while read: one line (and the warnings of --fk-cascades=pass)" "$(grep -vc "^mc-binlog-tail: warning: .*--fk-cascades=pass" "$T/err")" 1
n=$(wc -c <"$T/got")
if [ "$n" -lt "$(wc -c <"$T/want")" ] && cmp -s -n "$n" "$T/got" "$T/want"; then
	ok "a file cut short while read: what was written is a prefix of the records ($n bytes)"
else
	fail "a file cut short while read: what was written is a prefix of the records" \
		"$n bytes, not a proper prefix"
fi
mc-cat "$T/got" >/dev/null 2>"$T/err"
expect_grep "a file cut short while read: the records end whole (no half record)" \
	"truncated at offset $n \\(no trailer\\)$" "$T/err"

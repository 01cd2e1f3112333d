#!/bin/sh
# mc-binlog-tail reads a regular binlog file and a pipe alike (read(2)
# into one buffer; the file was once read from a mapping of it, this test
# kept its name): the two give the same records, messages and exit codes
# on every binlog fixture, whole and cut short at several places (the cut ones end
# with the same "truncated event" error and offset). Reading files does not
# load the MariaDB client library: it is opened only for a server
# connection, with a clear message when it cannot be; nor, for plain
# binlogs, libzstd and zlib (opened for compressed data only).
. "$(dirname "$0")/lib.sh"
B=$FIXTURES/binlog
mkdir -p "$T/m" "$T/p" "$T/cut" "$T/src"

# run DIR FILE: mc-binlog-tail on DIR/NAME (NAME: FILE's name, so that the
# positions in the records are the same), exit code in DIR/rc
run() {
	mc-binlog-tail --fk-cascades=pass "$1/$(basename "$2")" >"$1/out" 2>"$1/err"
	echo $? >"$1/rc"
}
# same DESC FILE: FILE read as a file, then through a FIFO of the same name
same() {
	_f=$2 _n=$(basename "$2")
	cp "$_f" "$T/m/$_n"
	run "$T/m" "$_f"
	rm -f "$T/p/$_n"
	mkfifo "$T/p/$_n"
	cat "$_f" >"$T/p/$_n" &
	_cat=$!
	run "$T/p" "$_f"
	kill "$_cat" 2>/dev/null
	wait "$_cat" 2>/dev/null
	rm -f "$T/m/$_n" "$T/p/$_n"
	sed "s#$T/[mp]/##" "$T/m/err" >"$T/m/err.n"
	sed "s#$T/[mp]/##" "$T/p/err" >"$T/p/err.n"
	if cmp -s "$T/m/out" "$T/p/out" && cmp -s "$T/m/err.n" "$T/p/err.n" &&
		[ "$(cat "$T/m/rc")" = "$(cat "$T/p/rc")" ]; then
		n_same=$((n_same + 1))
	else
		fail "$1" "a file and piped differ on $_f (exit $(cat "$T/m/rc") and $(cat "$T/p/rc")): $(diff "$T/m/err.n" "$T/p/err.n" | head -3 | tr '\n' ' ')"
		n_diff=$((n_diff + 1))
	fi
}

n_same=0 n_diff=0 n_files=0
find "$B" -type f ! -name '*.gz' ! -name '*.md' ! -name '*.txt' ! -name '*.tsv' \
	! -name '*.java' ! -name '*.sql' ! -name '*.rs' ! -name '*.unpacked' | sort >"$T/files"
gunzip -c "$B/mysql-binlog-connector-java/src/test/resources/mysql-bin.sakila.gz" \
	>"$T/src/mysql-bin.000001"
echo "$T/src/mysql-bin.000001" >>"$T/files"
while read -r f; do
	n_files=$((n_files + 1))
	same "every fixture: a file and piped alike" "$f"
done <"$T/files"
[ "$n_diff" -eq 0 ] && [ "$n_same" -ge 40 ] &&
	ok "every fixture: records, messages and exit codes alike a file and piped ($n_same files)"

# Cut short (a prefix of the file): the same error at the same offset.
S=$T/src/mysql-bin.000001
size=$(wc -c <"$S")
n_same=0 n_diff=0
mkdir -p "$T/cut/p"
for at in 3 4 50 200 1000 65536 262143 262144 262145 700001 $((size - 1)); do
	head -c "$at" "$S" >"$T/cut/p/mysql-bin.000001"
	same "cut at $at: a file and piped alike" "$T/cut/p/mysql-bin.000001"
done
[ "$n_diff" -eq 0 ] && ok "sakila cut at 11 places: the same records, message and exit code a file and piped"
head -c 700001 "$S" >"$T/cut/mysql-bin.000001"
expect_code 1 "a file cut inside an event: exit 1" mc-binlog-tail --fk-cascades=pass "$T/cut/mysql-bin.000001"
expect_grep "a file cut inside an event: the offset and what is present" \
	"mysql-bin.000001': offset [0-9]+: truncated event \\([0-9]+ bytes, [0-9]+ present\\)" "$T/err"

# The client library: not loaded to read files (a broken one in the way
# changes nothing), opened for a server connection (then a clear message).
mkdir -p "$T/lib"
: >"$T/lib/libmariadb.so.3"
cp "$S" "$T/m/mysql-bin.000001"
mc-binlog-tail --fk-cascades=pass "$T/m/mysql-bin.000001" >"$T/want" 2>/dev/null
expect_ok "files: no libmariadb loaded (a broken one on LD_LIBRARY_PATH)" \
	env LD_LIBRARY_PATH="$T/lib" mc-binlog-tail --fk-cascades=pass "$T/m/mysql-bin.000001"
expect_same "files: the same records without the client library" "$T/out" "$T/want"
expect_code 1 "live: the client library cannot be loaded: exit 1" \
	env LD_LIBRARY_PATH="$T/lib" mc-binlog-tail --fk-cascades=pass --socket="$T/no.sock" --start=mysql-bin.000001:4
expect_grep "live: the message names the library" \
	"^mc-binlog-tail: cannot load the MariaDB client library \\(needed to read a server\\): .*libmariadb.so.3" "$T/err"
if command -v readelf >/dev/null; then
	readelf -d "$BIN/mc-binlog-tail" >"$T/dyn" 2>&1
	if grep -q 'NEEDED.*libmariadb' "$T/dyn"; then
		fail "mc-binlog-tail does not need libmariadb at start" "$(grep NEEDED "$T/dyn" | tr '\n' ' ')"
	else
		ok "mc-binlog-tail does not need libmariadb at start"
	fi
	if grep -Eq 'NEEDED.*(libzstd|libz\.)' "$T/dyn"; then
		fail "mc-binlog-tail does not need libzstd and zlib at start" "$(grep NEEDED "$T/dyn" | tr '\n' ' ')"
	else
		ok "mc-binlog-tail does not need libzstd and zlib at start"
	fi
fi

# libzstd and zlib: opened for compressed data only (cmd/tail/compress_lazy.c)
: >"$T/lib/libzstd.so.1"
: >"$T/lib/libz.so.1"
expect_ok "files: no libzstd or zlib loaded for a plain binlog (broken ones on LD_LIBRARY_PATH)" \
	env LD_LIBRARY_PATH="$T/lib" mc-binlog-tail --fk-cascades=pass "$T/m/mysql-bin.000001"
expect_same "... the same records" "$T/out" "$T/want"
if command -v zstd >/dev/null; then
	zstd -q -c "$T/m/mysql-bin.000001" >"$T/m/z.000001.zst"
	expect_ok "a zstd-compressed binlog: libzstd opened then" mc-binlog-tail --fk-cascades=pass "$T/m/z.000001.zst"
	expect_same "... the same records" "$T/out" "$T/want"
	expect_code 1 "... where it cannot be loaded: exit 1" \
		env LD_LIBRARY_PATH="$T/lib" mc-binlog-tail --fk-cascades=pass "$T/m/z.000001.zst"
	expect_grep "... the message names the library" \
		"^mc-binlog-tail: cannot load libzstd.so.1 \\(needed for compressed data\\): " "$T/err"
fi

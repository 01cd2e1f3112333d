#!/bin/sh
# mc-snapshot writing a regular file allocates each chunk's blocks before
# writing it (fallocate, the size unchanged): the file is the stream a pipe
# gets, byte for byte (the records' time set to 0), holds no block past its
# end (none left allocated), and a file opened for appending (>>) is not
# preallocated and keeps what it held before. Through a pipe nothing
# changes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start

sql "CREATE DATABASE r; CREATE TABLE r.t (id INT PRIMARY KEY, v VARCHAR(300));
INSERT INTO r.t SELECT seq, REPEAT(CHAR(65 + seq % 26), 100 + seq % 200) FROM r.seq_1_to_6000;" ||
	{ fail "create the table" "sql failed"; exit 1; }

norm() { # MCR OUT: every record's time 0
	mc-cat --to=jsonl "$1" | sed 's/"time":[0-9]*/"time":0/' | mc-cat --from=jsonl --to=mcr >"$2"
}

expect_ok "to a file" sh -c "$(command -v mc-snapshot) $MDB_ARGS --databases=r --chunk-rows=700 --threads=2 >'$T/file.mcr'"
expect_ok "to a pipe" sh -c "$(command -v mc-snapshot) $MDB_ARGS --databases=r --chunk-rows=700 --threads=2 | cat >'$T/pipe.mcr'"
norm "$T/file.mcr" "$T/file.n"
norm "$T/pipe.mcr" "$T/pipe.n"
expect_same "the file is the pipe's stream, byte for byte" "$T/file.n" "$T/pipe.n"
expect_eq "6000 rows in the file" "$(mc-cat "$T/file.mcr" | grep -c '"kind":"row"')" 6000
size=$(stat -c %s "$T/file.mcr")
blocks=$(($(stat -c '%b * %B' "$T/file.mcr")))
expect_eq "no block allocated past the file's end (size $size, allocated $((blocks)))" \
	"$(( blocks <= size + 65536 ))" 1

if command -v strace >/dev/null 2>&1; then
	strace -f -e trace=fallocate -o "$T/st" sh -c "$(command -v mc-snapshot) $MDB_ARGS --databases=r --chunk-rows=700 --threads=2 >'$T/f2.mcr'" 2>/dev/null
	expect_eq "each of the 9 chunks' blocks allocated before its write" \
		"$(grep -c 'fallocate(1, FALLOC_FL_KEEP_SIZE' "$T/st")" 9
	printf 'before\n' >"$T/app.mcr"
	strace -f -e trace=fallocate -o "$T/st2" sh -c "$(command -v mc-snapshot) $MDB_ARGS --databases=r --chunk-rows=700 --threads=2 >>'$T/app.mcr'" 2>/dev/null
	expect_eq "appending (>>): nothing preallocated" "$(grep -c 'fallocate(' "$T/st2")" 0
	expect_eq "appending: what the file held is kept" "$(head -1 "$T/app.mcr")" before
	tail -c +8 "$T/app.mcr" >"$T/app2.mcr"
	norm "$T/app2.mcr" "$T/app.n"
	expect_same "appending: the stream after it" "$T/app.n" "$T/pipe.n"
else
	fail "the fallocate calls counted" "no strace here (make deps installs it)"
fi

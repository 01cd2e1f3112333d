#!/bin/sh
# The transaction buffer's spill files (--txn-memory) leave nothing in
# $TMPDIR, whatever ends mc-binlog-tail: the end, SIGTERM, SIGINT, SIGKILL
# (the file has no name: O_TMPFILE, else unlinked at once).
. "$(dirname "$0")/lib.sh"
gunzip -c "$FIXTURES/binlog/mysql-binlog-connector-java/src/test/resources/mysql-bin.sakila.gz" \
	>"$T/mysql-bin.000001"
mkdir "$T/tmp"
TMPDIR=$T/tmp expect_ok "a run that spills every transaction" \
	mc-binlog-tail --fk-cascades=pass --txn-memory=0 "$T/mysql-bin.000001"
expect_eq "... leaves nothing in TMPDIR" "$(ls -A "$T/tmp" | wc -l)" 0
for sig in TERM INT KILL; do
	rm -f "$T/fifo" && mkfifo "$T/fifo"
	# a reader that stalls: the tail blocks mid-stream, a spill open
	TMPDIR=$T/tmp mc-binlog-tail --txn-memory=0 "$T/mysql-bin.000001" >"$T/fifo" 2>"$T/err" &
	p=$!
	exec 3<"$T/fifo"
	head -c 100000 <&3 >/dev/null
	kill -s $sig $p
	exec 3<&-
	wait $p 2>/dev/null
	expect_eq "SIG$sig: nothing left in TMPDIR" "$(ls -A "$T/tmp" | wc -l)" 0
done

#!/bin/sh
# A CHAR key under one of MariaDB's NO PAD collations: its index orders the
# values space-padded ('a\t' before 'a'), a chunk's bound compares them
# unpadded ('a' < 'a\t' is false the other way), so mc-snapshot's chunks
# split on it skipped a row at a bound, exit 0 (one of two rows written
# with --chunk-rows=1). Such a column is no split key now: the table is
# read in one chunk (a --split-key naming it is refused); VARCHAR keys and
# PAD SPACE ones are split as before.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d;
CREATE TABLE d.n (k CHAR(5) COLLATE utf8mb4_nopad_bin PRIMARY KEY, v INT);
INSERT INTO d.n VALUES ('a', 1), ('a\t', 2), ('b', 3), ('a\t\t', 4), ('c', 5);
CREATE TABLE d.l (k CHAR(5) COLLATE latin1_nopad_bin PRIMARY KEY, v INT);
INSERT INTO d.l VALUES ('a', 1), ('a\t', 2);
CREATE TABLE d.vc (k VARCHAR(5) COLLATE utf8mb4_nopad_bin PRIMARY KEY, v INT);
INSERT INTO d.vc VALUES ('a', 1), ('a\t', 2), ('b', 3);
CREATE TABLE d.p (k CHAR(5) PRIMARY KEY, v INT);
INSERT INTO d.p VALUES ('a', 1), ('b', 2), ('c', 3);" || { fail "setup" "sql"; exit 1; }
expect_eq "the server's index order puts 'a\\t' before 'a'" \
	"$(sql "SELECT v FROM d.n ORDER BY k" | tr '\n' ' ')" "4 2 1 3 5 "
expect_ok "mc-snapshot --chunk-rows=1" sh -c "mc-snapshot $MDB_ARGS --databases=d --chunk-rows=1 >'$T/s.mcr'"
mc-cat "$T/s.mcr" >"$T/s.jsonl"
rows() { grep "\"kind\":\"row\",\"op\":\"snapshot\",\"db\":\"d\",\"table\":\"$1\"" "$T/s.jsonl" |
	sed 's/.*"after":\[[^,]*,\([0-9]*\)\].*/\1/' | sort -n | tr '\n' ' '; }
chunks() { grep "\"mark\":\"chunk_end\"" "$T/s.jsonl" | grep -c "\"table\":\"$1\""; }
expect_eq "... every row of the utf8mb4_nopad_bin CHAR key" "$(rows n)" "1 2 3 4 5 "
expect_eq "... in one chunk" "$(chunks n)" 1
expect_eq "... every row of the latin1_nopad_bin CHAR key" "$(rows l)" "1 2 "
expect_eq "... a NO PAD VARCHAR key: every row" "$(rows vc)" "1 2 3 "
[ "$(chunks vc)" -gt 1 ] && ok "... still split ($(chunks vc) chunks)" || fail "... still split" "$(chunks vc) chunk"
expect_eq "... a PAD SPACE CHAR key: every row" "$(rows p)" "1 2 3 "
[ "$(chunks p)" -gt 1 ] && ok "... split ($(chunks p) chunks)" || fail "... split" "$(chunks p) chunk"
expect_code 2 "--split-key naming the NO PAD CHAR column is refused" \
	mc-snapshot $MDB_ARGS --tables='^d[.]n$' --split-key=d.n:k
expect_grep "... saying it cannot be a split key" "column 'k' of type char\\(5\\) cannot be a split key" "$T/err"

#!/bin/sh
# mc-snapshot: the program conventions, connection errors, selection.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

expect_conventions mc-snapshot '^mc-snapshot \(mcsync\) [0-9]' "" mc-snapshot
expect_code 2 "--threads=0 exits 2" mc-snapshot --threads=0
expect_code 2 "a bad --where exits 2" mc-snapshot --where=nodot
expect_code 2 "a bad --tables regex exits 2" mc-snapshot '--tables=('
expect_code 2 "a bad --ssl-mode exits 2" mc-snapshot --ssl-mode=SOMETIMES
expect_code 3 "no server at the socket is transient (exit 3)" mc-snapshot --socket="$T/nosock" --user=root
expect_grep "... and names the socket" "'$T/nosock'" "$T/err"

mdb_start
sql "CREATE DATABASE a; CREATE DATABASE b; USE a;
CREATE TABLE a.t1 (id INT PRIMARY KEY, v VARCHAR(10));
CREATE TABLE a.t2 (id INT PRIMARY KEY);
CREATE TABLE b.t1 (id INT PRIMARY KEY, v INT);
INSERT INTO a.t1 SELECT seq, CONCAT('v', seq) FROM seq_1_to_2000;
INSERT INTO a.t2 VALUES (1),(2);
INSERT INTO b.t1 SELECT seq, seq FROM seq_1_to_10;"

expect_ok "all tables" mc-snapshot $MDB_ARGS
mc-cat --to=summary "$T/out" >"$T/sum" 2>&1
expect_eq "schema records of the three tables" "$(mc-cat "$T/out" | grep -c '"kind":"schema"')" 3
expect_ok "--databases=b" mc-snapshot $MDB_ARGS --databases=b
expect_eq "--databases selects one database" "$(mc-cat "$T/out" | grep '"kind":"schema"' | grep -c '"db":"b"')" 1
expect_ok "--tables and --exclude" mc-snapshot $MDB_ARGS '--tables=^a\.' '--exclude=t2$'
expect_eq "... select a.t1 only" "$(mc-cat "$T/out" | grep '"kind":"schema"' | sed 's/.*"table":"\([^"]*\)".*/\1/' | tr '\n' ' ')" "t1 "
expect_ok "--where" mc-snapshot $MDB_ARGS --databases=a --where='a.t1:id % 2 = 0 AND v LIKE "v1%"'
expect_eq "... keeps the rows where COND holds" "$(mc-cat "$T/out" | grep '"kind":"row"' | grep -c '"table":"t1"')" \
	"$(sql "SELECT COUNT(*) FROM a.t1 WHERE id % 2 = 0 AND v LIKE 'v1%'")"
expect_code 1 "a --where that is not SQL exits 1" mc-snapshot $MDB_ARGS --databases=a --where='a.t1:id =!= 3'
expect_code 2 "an unknown --split-key column exits 2" mc-snapshot $MDB_ARGS --split-key=a.t1:nope
expect_sigpipe "a closed pipe is not an error" mc-snapshot $MDB_ARGS --chunk-rows=10
MYSQL_PWD=wrong expect_code 1 "a wrong password is permanent (exit 1)" mc-snapshot $MDB_ARGS
sql "CREATE USER u@localhost IDENTIFIED BY 'sekrit'; GRANT SELECT ON *.* TO u@localhost;"
MYSQL_PWD=sekrit expect_ok "the password comes from MYSQL_PWD" mc-snapshot --socket="$MDB_SOCK" --user=u --databases=b
printf '[client]\nuser=u\npassword=sekrit\nsocket=%s\n' "$MDB_SOCK" >"$T/my.cnf"
expect_ok "or from --defaults-file" mc-snapshot --defaults-file="$T/my.cnf" --databases=b
expect_eq "... which gives the rows" "$(mc-cat "$T/out" | grep -c '"kind":"row"')" 10
mc-snapshot $MDB_ARGS --databases=a --progress >/dev/null 2>"$T/err"
expect_grep "--progress prints rows, rate and ETA" 'rows, [0-9]+ rows/s.*ETA' "$T/err"
t0=$(date +%s%N)
mc-snapshot $MDB_ARGS --databases=a --tables=t1 --max-rate=2000 --chunk-rows=300 >"$T/out" 2>"$T/err"
t1=$(date +%s%N)
expect_eq "--max-rate=2000 spreads 2000 rows over about a second" \
	"$(awk -v a="$t0" -v b="$t1" 'BEGIN {print (b - a) / 1e9 >= 0.7 ? "yes" : "no: " (b - a) / 1e9 " s"}')" yes
t0=$(date +%s%N)
mc-snapshot $MDB_ARGS --databases=a --tables=t1 --max-bytes-rate=40K --chunk-rows=300 >"$T/out" 2>"$T/err"
t1=$(date +%s%N)
bytes=$(wc -c <"$T/out")
expect_eq "--max-bytes-rate=40K holds the output to about 40 KiB/s" \
	"$(awk -v a="$t0" -v b="$t1" -v n="$bytes" 'BEGIN {s = (b - a) / 1e9; print n / s <= 1.5 * 40960 && s >= 0.5 ? "yes" : "no: " n " bytes in " s " s"}')" yes

#!/bin/sh
# ALTER TABLE t DEFAULT CHARSET latin1, MODIFY s VARCHAR(20) (or the two as
# separate statements): the server converts s to the new table default
# with no row events ('中文' becomes '??'); the schema records carry no
# charset, so the merge stops at the MODIFY (exit 1, naming the column and
# the default), as for CONVERT TO CHARACTER SET latin1 (docs/merge.md
# "Schema changes"). (It kept '中文', exit 0: found by a tester.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
n=0
for st in "ALTER TABLE t DEFAULT CHARSET latin1, MODIFY s VARCHAR(20)" \
	"ALTER TABLE t DEFAULT CHARSET latin1; ALTER TABLE t MODIFY s VARCHAR(20)"; do
	n=$((n + 1))
	sql "DROP DATABASE IF EXISTS d; CREATE DATABASE d; USE d; CREATE TABLE t (id INT PRIMARY KEY, s VARCHAR(20));
	INSERT INTO t VALUES (1,'中文'),(2,'abc')" || { fail "setup" "sql"; exit 1; }
	mdb_snap_d
	sql "SET sql_mode=''; USE d; $st; UPDATE t SET id = 20 WHERE id = 2; FLUSH BINARY LOGS" || { fail "setup" "sql"; exit 1; }
	mdb_changes "$T/snap.mcr" "$T/ch.mcr"
	rm -rf "$T/w"
	mc-tunnel-put --dest="$T/w" "$T/snap.mcr" "$T/ch.mcr" || { fail "setup" "put"; exit 1; }
	at=$(sed -n 's/^pos //p' "$T/w/_mcsync/ledger")
	expect_code 1 "$st: the merge stops at the MODIFY" \
		mc-merge --warehouse="$T/w" --table=d__t --at="$at" --output="$T/m.mcr"
	expect_grep "... saying why" "column 's': 'ALTER TABLE t .*MODIFY s VARCHAR.20.' at position .* redefines it with no charset, and the table's default charset is latin1" "$T/err"
done

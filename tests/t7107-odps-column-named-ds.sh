#!/bin/sh
# A source column named ds (or DS), every mcsync MaxCompute table's
# partition column: refused by mcsync, naming the table and column, before
# any SQL
# (docs/maxcompute.md "Tables"). (The server's raw SQL error, for good:
# found by a tester.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
. "$(dirname "$0")/mariadb.sh"
need python3 sqlite3 curl
mdb_start
sql "CREATE DATABASE shop; USE shop;
CREATE TABLE a (id INT PRIMARY KEY, ds VARCHAR(8)); INSERT INTO a VALUES (1,'20240101');
CREATE TABLE b (id INT PRIMARY KEY, DS INT); INSERT INTO b VALUES (1,1)" || { fail "setup" "sql"; exit 1; }
for t in a b; do
	mc-snapshot $MDB_ARGS --databases=shop --tables="^shop[.]$t\$" >"$T/$t.mcr" || { fail "setup" "snapshot"; exit 1; }
done
odps_start srv || exit 1
DB=$T/srv/p1.db
for t in a b; do
	if mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/s.$t" "$T/$t.mcr" >/dev/null 2>"$T/err"; then
		ok "shop.$t (a column ds) goes into MaxCompute"
	elif grep -q "ODPS-\|SQL instance\|semantic\|Semantic" "$T/err"; then
		fail "shop.$t (a column ds): refused by the server's SQL error, not by mcsync naming the table and column" "$(tail -1 "$T/err")"
	else
		expect_grep "shop.$t (a column ds): refused by mcsync naming the table and the column" "column '[dD][sS]' of shop\.$t" "$T/err"
	fi
done

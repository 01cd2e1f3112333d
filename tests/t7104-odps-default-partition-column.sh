#!/bin/sh
# mc-transform's partitions rule with the default partitions.column
# (mc_partition) goes into MaxCompute as with a column named in the rules:
# the default is a valid MaxCompute column name. (The default was
# _mc_partition, which MaxCompute refuses: every such stream failed at the
# first table's creation with the server's SQL error: found by a tester.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
. "$(dirname "$0")/mariadb.sh"
need python3 sqlite3 curl
mdb_start
sql "CREATE DATABASE shop; USE shop; CREATE TABLE o (id INT PRIMARY KEY, v INT); INSERT INTO o VALUES (1,1)" ||
	{ fail "setup" "sql"; exit 1; }
mc-snapshot $MDB_ARGS --databases=shop >"$T/snap.mcr" || { fail "setup" "snapshot"; exit 1; }
sql "USE shop; INSERT INTO o VALUES (2,2); FLUSH BINARY LOGS" || { fail "setup" "sql"; exit 1; }
mdb_changes "$T/snap.mcr" "$T/ch.mcr"
for c in default mcpart; do
	{
		echo 'select: {include: [{db: shop}]}'
		echo 'partitions:'
		[ $c = default ] || echo "  column: $c"
		echo '  tables:'
		echo '    - levels: [ {key: ds, value: "${bizdate}"} ]'
	} >"$T/$c.yaml"
	mc-transform --rules="$T/$c.yaml" --param bizdate=20240102 "$T/snap.mcr" >"$T/s.$c.mcr" &&
		mc-transform --rules="$T/$c.yaml" --param bizdate=20240102 "$T/ch.mcr" >"$T/c.$c.mcr" ||
		{ fail "setup" "transform"; exit 1; }
done
ODPS_PROJECT=p1,p2
L=mcsync
layout_start
expect_ok "partitions.column: mcpart, a ds level: into MaxCompute" \
	mc-tunnel-put $OD --state="$S.mcpart" "$T/s.mcpart.mcr" "$T/c.mcpart.mcr"
expect_ok "the same rules with the default partitions.column (mc_partition): into MaxCompute" \
	mc-tunnel-put --dest=odps://p2 --odps-config="$ODPS_CONF" --state="$S.default" "$T/s.default.mcr" "$T/c.default.mcr"
expect_eq "... its column in the tables" \
	"$(sqlite3 "$T/srv-$L/p2.db" "SELECT group_concat(tbl || '.' || name, ' ') FROM _odps_columns WHERE name LIKE '%partition%'")" \
	"shop_o.mc_partition shop_o_log.mc_partition"

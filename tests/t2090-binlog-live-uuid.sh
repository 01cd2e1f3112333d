#!/bin/sh
# MariaDB's UUID, INET6 and INET4 are BINARY(16) and BINARY(4) in the
# binlog's table map, FULL metadata or not. A live tail that had no
# --schema and had not read the table's CREATE wrote them as bytes where
# mc-snapshot writes their text, and every merge of the table failed
# ("expected bytes (bin), got str"): the pipeline of the README broke on
# such a table. The live tail now asks the server (information_schema)
# for the type of a map's BINARY(16)/BINARY(4) columns, as it does for
# names: UUID, INET6 and INET4 are their text, as mc-snapshot's; a real
# BINARY(16) stays bytes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
for meta in FULL MINIMAL; do
	mdb_start --binlog-row-metadata=$meta
	db=d$meta
	sql "CREATE DATABASE $db; CREATE TABLE $db.t (id INT PRIMARY KEY, u UUID, i6 INET6, i4 INET4, b BINARY(16), e ENUM('x', 'y'));
	INSERT INTO $db.t VALUES (1, '123e4567-e89b-12d3-a456-426614174000', '::1', '10.0.0.1', 'abcdefghijklmnop', 'y');" ||
		{ fail "$meta: setup" "sql"; exit 1; }
	rm -rf "$T/wh" "$T/ck"
	mc-snapshot $MDB_ARGS --databases=$db | mc-tunnel-put --dest="$T/wh" --checkpoint-out="$T/ck" ||
		{ fail "$meta: snapshot" "failed"; exit 1; }
	sql "INSERT INTO $db.t VALUES (2, '00000000-0000-0000-0000-00000000000a', '2001:db8::ff', '192.168.1.2', 'ponmlkjihgfedcba', 'x');
	UPDATE $db.t SET i4 = '10.0.0.9' WHERE id = 1;"
	expect_ok "$meta: the live tail from the checkpoint, loaded" sh -c "timeout -k 5 30 mc-binlog-tail \
		$MDB_ARGS --server-id=$((MDB_SERVER_ID + 1)) --heartbeat=0 --stop-at-end \
		--checkpoint-in='$T/ck' >'$T/l.mcr' && mc-tunnel-put --dest='$T/wh' --checkpoint-out='$T/ck' '$T/l.mcr'"
	expect_grep "$meta: ... the UUID column typed uuid, as the snapshot's" \
		'"name":"u","mysql_type":"uuid"' "$(mc-cat "$T/l.mcr" >"$T/l.jsonl"; echo "$T/l.jsonl")"
	end=$(sed -n 's/^pos //p' "$T/ck")
	expect_ok "$meta: merged at the end" \
		mc-merge --warehouse="$T/wh" --table=${db}__t --at="$end" --output="$T/m.mcr"
	expect_eq "$meta: ... the server's values, the BINARY(16) as bytes" \
		"$(mc-cat "$T/m.mcr" | grep '"kind":"row"' | sed 's/.*"after":\(\[[^]]*\]\).*/\1/' | sort | tr '\n' ';')" \
		'[1,"123e4567-e89b-12d3-a456-426614174000","::1","10.0.0.9",{"bin":"YWJjZGVmZ2hpamtsbW5vcA=="},"y"];[2,"00000000-0000-0000-0000-00000000000a","2001:db8::ff","192.168.1.2",{"bin":"cG9ubWxramloZ2ZlZGNiYQ=="},"x"];'
	mdb_stop
done

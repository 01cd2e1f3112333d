#!/bin/sh
# mc-snapshot --consistency=lock (FLUSH TABLES WITH READ LOCK while every
# connection opens its read view; the default on MySQL) against MariaDB,
# with a writer running: every chunk carries one watermark W; the snapshot's
# rows are exactly the state at W (built independently: an earlier snapshot
# plus the binlog up to W, merged); snapshot + binlog after W merged at the
# writer's end P equals the source at P; and the lock was brief: the span
# FTWRL .. UNLOCK TABLES in the general log, and how long a probe writer's
# INSERTs waited (SYSDATE(6), evaluated once the table is open, minus
# NOW(6), the statement's start), both under a generous bound.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

BOUND=5 # seconds: generous; the lock normally lasts milliseconds
mdb_start
ROWS=1500
export MCSYNC_DEMO_ROWS=$ROWS
sql "$(sed "s/@ROWS@/$ROWS/g" "$TOP/pipelines/demo-data.sql")" >"$T/load.out" 2>&1 ||
	{ fail "sample data loads" "$(tail -3 "$T/load.out")"; exit 1; }
sql "CREATE DATABASE probe; CREATE TABLE probe.p (id INT AUTO_INCREMENT PRIMARY KEY, t0 DATETIME(6), t1 DATETIME(6))"

# the probe measures blocking: an INSERT during a 1 s FTWRL of another
# session waits most of that second
sql "FLUSH TABLES WITH READ LOCK; DO SLEEP(1); UNLOCK TABLES" &
locker=$!
sleep 0.3
sql "INSERT INTO probe.p (t0, t1) VALUES (NOW(6), SYSDATE(6))"
wait $locker
calib=$(sql "SELECT MAX(TIMESTAMPDIFF(MICROSECOND, t0, t1)) / 1e6 FROM probe.p")
awk -v s="$calib" 'BEGIN {exit !(s >= 0.3 && s < 5)}' &&
	ok "a probe INSERT during another session's 1 s FTWRL waits $calib s" ||
	fail "a probe INSERT during a 1 s FTWRL waits" "$calib s"
sql "TRUNCATE probe.p"

# base0: a lock-free snapshot before the writer starts (the reference's base)
mc-snapshot $MDB_ARGS --databases=shop --threads=2 >"$T/base0.mcr" 2>"$T/err"
expect_eq "a reference snapshot before the writes" "$?" 0
set -- $(mc-cat --to=summary "$T/base0.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
lo_file=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
lo_off=$2

# the writer: the demo's transactions, each followed by a probe INSERT and a
# short pause, so that it runs before, during and after the lock
sh "$TOP/pipelines/demo-load.sh" 600 1 | awk '
	{ print }
	/^COMMIT;/ { print "INSERT INTO probe.p (t0, t1) VALUES (NOW(6), SYSDATE(6)); DO SLEEP(0.004);" }
' >"$T/writer.sql"
sql "SET GLOBAL log_output = 'TABLE'; TRUNCATE mysql.general_log; SET GLOBAL general_log = 1"
sql "source $T/writer.sql" >"$T/writer.out" 2>&1 &
writer=$!
sleep 1
mc-snapshot $MDB_ARGS --databases=shop --consistency=lock --threads=4 --chunk-rows=100 \
	>"$T/snap.mcr" 2>"$T/snap.err"
rc=$?
running=no
kill -0 $writer 2>/dev/null && running=yes
wait $writer
wrc=$?
sql "SET GLOBAL general_log = 0"
expect_eq "--consistency=lock --threads=4 runs during the writes" "$rc/$wrc" 0/0
expect_eq "the writer was still running when the snapshot ended" "$running" yes

# one watermark W for every chunk, row and schema record
mc-cat "$T/snap.mcr" >"$T/snap.jsonl"
grep -E '"kind":"(row|mark|schema)"' "$T/snap.jsonl" | grep -o '"pos":\[[0-9,]*\]' | sort -u >"$T/wms"
expect_eq "one watermark for every schema record, row and mark" "$(wc -l <"$T/wms")" 1
chunks=$(grep -c '"mark":"chunk_end"' "$T/snap.jsonl")
[ "$chunks" -ge 20 ] && ok "the snapshot has $chunks chunks" || fail "the snapshot has many chunks" "$chunks"
set -- $(sed 's/.*\[\([0-9]*\),\([0-9]*\),\([0-9]*\)\]/\1 \2 \3/' "$T/wms")
W_file=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
W_off=$2
expect_eq "the watermark is in the first binlog" "$W_file" "$lo_file"

# the reference state at W: base0 + the binlog from base0's watermark to W
mc-binlog-tail --tables='^shop\.' --from="$lo_file:$lo_off" --stop-position="$W_off" "$lo_file" \
	>"$T/upto-w.mcr" 2>"$T/err"
expect_eq "the binlog up to W decodes" "$?" 0
expect_ok "the reference base goes into a warehouse" mc-tunnel-put --dest="$T/ref" "$T/base0.mcr"
expect_ok "the changes up to W go into its log" mc-tunnel-put --dest="$T/ref" "$T/upto-w.mcr"
upto=$(mc-cat --to=summary "$T/upto-w.mcr" | sed -n 's/^positions: .* \.\. //p')
n_upto=$(mc-cat --to=summary "$T/upto-w.mcr" | awk '$1 ~ /^shop\./ {n += $3 + $4 + $5} END {print n + 0}')
[ "$n_upto" -gt 0 ] && ok "the writer changed $n_upto rows before W" || fail "the writer changed rows before W" "none"

# the whole binlog from W, for the merge at P
sql "FLUSH BINARY LOGS"
mc-binlog-tail --tables='^shop\.' --from="$W_file:$W_off" "$MDB_DIR"/binlog/mysql-bin.[0-9]* \
	>"$T/after-w.mcr" 2>"$T/err"
expect_eq "the binlog from W decodes" "$?" 0
n_after=$(mc-cat --to=summary "$T/after-w.mcr" | awk '$1 ~ /^shop\./ {n += $3 + $4 + $5} END {print n + 0}')
[ "$n_after" -gt 0 ] && ok "the writer changed $n_after rows after W" || fail "the writer changed rows after W" "none"
expect_ok "the lock snapshot goes into the base" mc-tunnel-put --dest="$T/wh" "$T/snap.mcr"
expect_ok "the changes after W go into the log" mc-tunnel-put --dest="$T/wh" "$T/after-w.mcr"
at=$(mc-cat --to=summary "$T/after-w.mcr" | sed -n 's/^positions: .* \.\. //p')
mc-snapshot $MDB_ARGS --databases=shop --threads=1 >"$T/truth.mcr" 2>"$T/err"
expect_eq "a fresh snapshot at P (the writer stopped)" "$?" 0

for t in customers order_items; do
	mc-cat --to=csv --table="shop.$t" "$T/snap.mcr" | sort >"$T/$t.snap"
	mc-merge --warehouse="$T/ref" --table="shop__$t" --at="$upto" --output="$T/$t.ref.mcr" 2>"$T/err"
	expect_eq "shop.$t: the reference state at W merges" "$?" 0
	mc-cat --to=csv --table="shop.$t" "$T/$t.ref.mcr" | sort >"$T/$t.ref"
	expect_same "shop.$t: the snapshot equals the state at its watermark W ($(($(wc -l <"$T/$t.ref") - 1)) rows)" \
		"$T/$t.snap" "$T/$t.ref"
	mc-merge --warehouse="$T/wh" --table="shop__$t" --at="$at" --output="$T/$t.p.mcr" 2>"$T/err"
	expect_eq "shop.$t: snapshot + changes after W merge at P" "$?" 0
	mc-cat --to=csv --table="shop.$t" "$T/$t.p.mcr" | sort >"$T/$t.got"
	mc-cat --to=csv --table="shop.$t" "$T/truth.mcr" | sort >"$T/$t.want"
	expect_same "shop.$t: merged at P equals the source at P, every value" "$T/$t.got" "$T/$t.want"
done

# the lock: one FTWRL .. UNLOCK TABLES span on one connection, short
sql "SELECT thread_id, DATE_FORMAT(event_time, '%s.%f'), UNIX_TIMESTAMP(event_time), argument
	FROM mysql.general_log WHERE command_type = 'Query'
	AND (argument LIKE 'FLUSH TABLES WITH READ LOCK%' OR argument LIKE 'UNLOCK TABLES%')
	ORDER BY event_time" >"$T/locklog"
sed 's/^/# general log: /' "$T/locklog"
span=$(awk -F'\t' '$4 ~ /^FLUSH/ {th = $1; t0 = $3} $4 ~ /^UNLOCK/ && $1 == th {printf "%.6f", $3 - t0}' "$T/locklog")
expect_eq "one FLUSH TABLES WITH READ LOCK and one UNLOCK TABLES, on one connection" \
	"$(cut -f1 "$T/locklog" | sort -u | wc -l)/$(wc -l <"$T/locklog")" "1/2"
awk -v s="${span:-99}" -v b=$BOUND 'BEGIN {exit !(s >= 0 && s < b)}' &&
	ok "the lock was held ${span} s (FTWRL .. UNLOCK in the general log; bound ${BOUND} s)" ||
	fail "the lock was held under ${BOUND} s" "span '${span}'"

# the probe writer: its INSERTs' wait, before and after W
sql "SELECT COUNT(*), MAX(TIMESTAMPDIFF(MICROSECOND, t0, t1)) / 1e6 FROM probe.p" >"$T/probe"
read -r probes wait_max <"$T/probe"
echo "# probe: $probes inserts, longest wait $wait_max s"
[ "$probes" -ge 600 ] && ok "the probe writer inserted $probes rows" || fail "the probe writer inserted 600 rows" "$probes"
awk -v s="$wait_max" -v b=$BOUND 'BEGIN {exit !(s < b)}' &&
	ok "no probe INSERT waited ${BOUND} s or more (longest ${wait_max} s)" ||
	fail "probe INSERTs waited under ${BOUND} s" "longest $wait_max s"

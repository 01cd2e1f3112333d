#!/bin/sh
# mc-tunnel-put --dest=odps:// makes sure of a partition's tables, creates
# its upload session and runs the second writer's check while the sink
# still reads the commit (docs/maxcompute.md "Tables and sessions made while
# the sink reads", common/odps/dest_odps_early.c): with the input's second
# half held back, the session is on the server before the input ends, that
# session is the one committed, and no SQL runs after the input's end.
# What is done early and not used changes nothing: a rerun of a committed
# input (its rows dropped by the sink) commits nothing twice; a run killed
# while it reads, after its early session was made, is rerun to every row
# once (the table's schema history written before its tables, as the
# append does); a table of another layout found early is still exit 1 at
# the commit, naming its column.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"

need python3
need curl
odps_srv
"$BIN/tools/mcgen" sysbench 20000 >"$T/sb.mcr" || { fail "mcgen" "failed"; exit 1; }
put() { sb_put "$@"; }
rows() { $CLI sql "SELECT COUNT(*), COUNT(DISTINCT id), SUM(id) FROM $1" 2>&1 | sed 1d; }
want="20000,20000,200010000"
LOG=$T/srv/requests.log
half=1000000 # bytes: the first 4,500 rows or so

# --- the input's second half held back until the session is made, and
# the load's SQL statements (2 for the state's check against the mirror, 5
# for the tables and the partition, 2 for the writers' check) have run ---
$CLI sql "SELECT 1" >/dev/null 2>&1 # (the server's log begins)
n0=$(wc -l <"$LOG")
sqls() { tail -n +$((n0 + 1)) "$LOG" | grep -c " POST /api/projects/p1/instances"; }
{
	head -c $half "$T/sb.mcr"
	if wait_for " POST /projects/p1/tables/e1[?]uploads" "$LOG" 200; then
		: >"$T/seen"
		i=0
		while [ "$(sqls)" -lt 9 ] && [ $i -lt 200 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		# what the server did up to here: the rest comes after
		wc -l <"$LOG" >"$T/n1"
	fi
	tail -c +$((half + 1)) "$T/sb.mcr"
} | put e1 st1 --threads=4 --compress=zstd --block-size=262144 - >"$T/out" 2>&1
expect_eq "the load with its input held back: exit 0" "$?" "0"
if [ -f "$T/seen" ]; then
	ok "the upload session was created while the input was still open"
else
	fail "the upload session was created while the input was still open" \
		"none before the input's end: $(tail -n +$((n0 + 1)) "$LOG" | grep -c uploads) sessions after"
fi
n1=$(cat "$T/n1" 2>/dev/null || echo "$n0")
sql0=$(head -n "$n1" "$LOG" | tail -n +$((n0 + 1)) | grep -c " POST /api/projects/p1/instances")
sql1=$(tail -n +$((n1 + 1)) "$LOG" | grep -c " POST /api/projects/p1/instances")
ns=$(tail -n +$((n0 + 1)) "$LOG" | grep -c " POST /projects/p1/tables/e1[?]uploads")
expect_eq "every row once" "$(rows e1)" "$want"
expect_eq "one upload session of the table: the one made early is committed" "$ns" "1"
expect_eq "the load's 9 SQL statements ran before the input's end" "$sql0" "9"
expect_eq "no SQL after the input's end" "$sql1" "0"
expect_eq "nothing said on stderr" "$(cat "$T/out")" ""

# --- a rerun of the committed input: the early session is not used ---
n0=$(wc -l <"$LOG")
expect_ok "the same input again into the same state" put e1 st1 --threads=4 --compress=zstd "$T/sb.mcr"
expect_eq "the rerun committed nothing twice" "$(rows e1)" "$want"
nc=$(tail -n +$((n0 + 1)) "$LOG" | grep " POST /projects/p1/tables/e1[?]uploadid=" | grep -vc getblockid)
expect_eq "the rerun committed no session of the table" "$nc" "0"

# --- killed while it reads, after its early session was made ---
mkfifo "$T/fifo"
mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/stk" --name=sbtest.sbtest1=k1 \
	--threads=4 --compress=zstd "$T/fifo" >"$T/kout" 2>&1 &
p=$!
exec 3>"$T/fifo"
head -c $half "$T/sb.mcr" >&3
if wait_for " POST /projects/p1/tables/k1[?]uploads" "$LOG" 200; then
	ok "killed run: its session was made while it read"
else
	fail "killed run: its session was made while it read" "no session of k1 on the server"
fi
kill -9 "$p"
wait "$p" 2>/dev/null
expect_eq "killed run: SIGKILL while it read" "$?" "137"
exec 3>&-
# the tables were made early, and so was the schema history they were
# made from, before them (as the append writes it): a later schema of the
# table evolves them instead of meeting a table the history does not know
if [ -s "$T/stk/_mcsync/hist/k1.mcr" ] && mc-cat "$T/stk/_mcsync/hist/k1.mcr" | grep -q '"kind":"schema"'; then
	ok "killed run: the table's schema history was written with its tables"
else
	fail "killed run: the table's schema history was written with its tables" "$(ls -R "$T/stk" 2>&1 | tr '\n' ' ')"
fi
expect_ok "the rerun after the kill" put k1 stk --threads=4 --compress=zstd "$T/sb.mcr"
expect_eq "after the kill and the rerun: every row once" "$(rows k1)" "$want"

# --- a table of another layout, found by the early work: exit 1 at the
# commit, naming the column, nothing committed ---
$CLI sql "CREATE TABLE x1 (id INT, k INT, c BIGINT, pad STRING, mc_pos_file BIGINT, mc_pos_off BIGINT, mc_pos_row BIGINT) PARTITIONED BY (ds STRING)" >/dev/null 2>&1
expect_code 1 "a table of another layout exits 1" put x1 stx --threads=4 "$T/sb.mcr"
expect_grep "naming the table and the column" "MaxCompute table 'p1\\.x1': column 3 'c' is BIGINT there, mcsync writes STRING" "$T/err"
expect_eq "nothing in it" "$($CLI sql "SELECT COUNT(*) FROM x1" 2>&1 | sed 1d)" "0"

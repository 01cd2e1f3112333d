#!/bin/sh
# mc-tunnel-put --dest=odps://: the second-writer check of a run's first
# commit reads the other writers' newest commits from the state mirror in a
# fixed number of SQL instances, whatever the number of writers (it was one
# instance per writer that ever wrote to the project, after a first one): 12
# state directories, each loading its own table, then a 13th run costs as
# many SQL queries as the 2nd did. With the 12 writers there, a second
# writer of one of their tables is still refused, naming it; a damaged
# mirror row (an attempt or seq that is no number) is still exit 1. The local
# server runs JOINs only as MaxCompute's common join does (docs/maxcompute.md
# "One state directory per source table").
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
need python3
need sqlite3
need curl
odps_start srv || exit 1
DB=$T/srv/p1.db
CLI="python3 $TOP/tests/odps-server/client.py --endpoint=$ODPS_ENDPOINT --credentials=$ODPS_CONF --project=p1"
"$BIN/tools/mcgen" sysbench 40 >"$T/sb.mcr" || { fail "mcgen" "failed"; exit 1; }
put() { # STATE ARGS...
	_s=$1
	shift
	mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/$_s" --retry-time=0.2 "$@"
}
wr() { sed -n 's/^writer //p' "$T/$1/_mcsync/odps"; }
stats_reset() { curl -s -X DELETE "http://127.0.0.1:$ODPS_PORT/_mcsync/stats" >/dev/null; }
stat() { curl -s "http://127.0.0.1:$ODPS_PORT/_mcsync/stats" | sed "s/.*\"$1\": *\([0-9]*\).*/\1/"; }
# the SQL instances so far that read the other writers' journal rows of the
# state mirror (not the run's own newest: docs/maxcompute.md "A state
# directory behind MaxCompute")
mirror_reads() { sqlite3 "$DB" "SELECT COUNT(*) FROM _odps_instances WHERE query LIKE 'SELECT%'
	AND query LIKE '%mcsync_state%' AND query LIKE '%journal%' AND query LIKE '%writer <>%'"; }

# 12 writers, each its own table
k=0
loads=ok
while [ $k -lt 12 ]; do
	k=$((k + 1))
	stats_reset
	put w$k --name=sbtest.sbtest1=t$k "$T/sb.mcr" 2>"$T/err" || { loads="w$k: $(cat "$T/err")"; break; }
	eval "q$k=\$(stat queries) i$k=\$(stat instances)"
done
expect_eq "12 state directories load 12 tables" "$loads" "ok"
expect_eq "... 12 writers in the state mirror" \
	"$(sqlite3 "$DB" "SELECT COUNT(DISTINCT writer) FROM mcsync_state")" "12"

# the 13th: as many queries as the 2nd (1 other writer), a few of them the mirror's
stats_reset
m0=$(mirror_reads)
expect_ok "a 13th state directory loads its table" put w13 --name=sbtest.sbtest1=t13 "$T/sb.mcr"
q13=$(stat queries) i13=$(stat instances)
expect_eq "... its run costs as many SQL queries as the 2nd writer's (12 other writers, not 1)" \
	"$q13" "$q2"
expect_eq "... and as many SQL instances" "$i13" "$i2"
expect_eq "... the other writers' commits read by one SQL query" "$(($(mirror_reads) - m0))" "1"
expect_eq "... the 12th writer's run the same" "$q12 $i12" "$q2 $i2"
[ "$q13" -le 6 ] && ok "... $q13 SQL queries in all" || fail "... at most 6 SQL queries" "$q13"
echo "# SQL instances per run: 1st $i1 (queries $q1), 2nd $i2 ($q2), 12th $i12 ($q12), 13th $i13 ($q13)"

# a second writer of a table, among the 12 others: refused, naming the one that wrote it
stats_reset
expect_code 1 "a fresh state directory into table t5 (written by w5) is refused" \
	put x --name=sbtest.sbtest1=t5 "$T/sb.mcr"
expect_grep "... naming the table and w5's writer" \
	"MaxCompute table 'p1.t5' holds rows of sbtest.sbtest1 committed by another state directory .writer $(wr w5), commit 1.; this --state is writer $(wr x)" "$T/err"
expect_eq "... one line" "$(wc -l <"$T/err")" "1"
expect_eq "... t5 holds its rows once" "$($CLI sql "SELECT COUNT(*), COUNT(DISTINCT id) FROM t5" 2>&1 | sed 1d)" "40,40"
# the mirror's read and its upsert rows, then a count of each partition of
# w5's newest commit (t5's and its log's): none per other writer
[ "$(stat queries)" -le $((q13 + 2)) ] && ok "... after a bounded number of SQL queries ($(stat queries))" ||
	fail "... at most $((q13 + 2)) SQL queries" "$(stat queries)"
expect_ok "w5 itself carries on into t5" put w5 --name=sbtest.sbtest1=t5 "$T/sb.mcr"

# many source tables in one commit: the other writers are read from the
# mirror once for the commit, not once a table (the tables' partitions are
# checked one at a time as the sink reads them: two SQL instances each,
# seconds each on the service, before)
upsert_reads() { sqlite3 "$DB" "SELECT COUNT(*) FROM _odps_instances WHERE query LIKE 'SELECT%'
	AND query LIKE '%mcsync_state%' AND query LIKE '%kind = ''upsert''%'"; }
for i in 1 2 3 4 5 6 7 8; do ren "$T/sb.mcr" m "u$i" >"$T/u$i.mcr" || fail "ren" "u$i"; done
one "$T"/u[1-6].mcr >"$T/six.mcr"
m0=$(mirror_reads) u0=$(upsert_reads)
expect_ok "a fresh state directory loads 6 tables in one commit" put w14 "$T/six.mcr"
expect_eq "... the other writers' commits read once for the 6" "$(($(mirror_reads) - m0))" "1"
expect_eq "... and the --mode=upsert writers once" "$(($(upsert_reads) - u0))" "1"
expect_eq "... the 6th table holds its rows" "$($CLI sql "SELECT COUNT(*) AS n FROM m__u6" 2>&1 | sed 1d)" "40"
# still refused, by what was read for the commit's first table: a table of
# another state directory after two that are not
one "$T/u7.mcr" "$T/u8.mcr" "$T/sb.mcr" >"$T/three.mcr"
m0=$(mirror_reads)
expect_code 1 "a fresh state directory: 2 new tables, then sbtest.sbtest1 into t5 (w5's): refused" \
	put z --name=sbtest.sbtest1=t5 "$T/three.mcr"
expect_grep "... naming t5 and w5's writer" \
	"MaxCompute table 'p1.t5' holds rows of sbtest.sbtest1 committed by another state directory .writer $(wr w5), commit [0-9]*.; this --state is writer $(wr z)" "$T/err"
expect_eq "... the other writers read once" "$(($(mirror_reads) - m0))" "1"
expect_eq "... nothing of the commit committed (m__u7 empty, t5 its 40 rows)" \
	"$($CLI sql "SELECT COUNT(*) AS n FROM m__u7" 2>&1 | sed 1d)$($CLI sql "SELECT COUNT(*) AS n FROM t5" 2>&1 | sed 1d)" "040"

# the local server's JOINs: those of MaxCompute's common join
join_refused() { # DESC QUERY PATTERN
	if $CLI sql "$2" >"$T/j.out" 2>&1; then
		fail "$1" "ran: $(head -c 200 "$T/j.out")"
	else
		expect_grep "$1" "$3" "$T/j.out"
	fi
}
join_refused "the server refuses a JOIN whose ON is not an equality" \
	"SELECT a.id FROM t1 a JOIN t2 b ON a.id < b.id" "equalities joined by AND"
join_refused "... one of OR" \
	"SELECT a.id FROM t1 a JOIN t2 b ON a.id = b.id OR a.k = b.k" "equalities joined by AND"
join_refused "... a CROSS JOIN" "SELECT a.id FROM t1 a CROSS JOIN t2 b" "CROSS JOIN is not supported"
join_refused "... a JOIN without ON" "SELECT a.id FROM t1 a JOIN t2 b" "a JOIN needs an ON condition"
join_refused "... a subquery joined without an alias" \
	"SELECT id FROM t1 a JOIN (SELECT id AS i FROM t2) ON a.id = i" "a subquery joined needs an alias"
expect_eq "... and runs an equi-join of aliased subqueries" \
	"$($CLI sql "SELECT COUNT(*) AS n FROM (SELECT id FROM t1) a LEFT OUTER JOIN (SELECT id, k FROM t2) b ON a.id = b.id AND (a.id = b.id)" 2>&1 | sed 1d)" "40"

# a damaged mirror row: exit 1 as before, naming it, nothing committed
$CLI sql "INSERT INTO TABLE mcsync_state PARTITION (ds='20990101') SELECT 'zz', 7, CAST(NULL AS BIGINT), 'journal', ''" >"$T/ins.out" 2>&1 ||
	fail "a mirror row with no attempt" "$(cat "$T/ins.out")"
expect_code 1 "a mirror row whose attempt is no number stops the check" put y --name=sbtest.sbtest1=t14 "$T/sb.mcr"
expect_grep "... naming it" "the state mirror: attempt '.N' is not a number" "$T/err"
$CLI sql "INSERT INTO TABLE mcsync_state PARTITION (ds='20990101') SELECT 'yy', CAST(NULL AS BIGINT), 1, 'journal', ''" >"$T/ins.out" 2>&1 ||
	fail "a mirror row with no seq" "$(cat "$T/ins.out")"
expect_code 1 "a writer whose newest seq is no number stops the check" put y --name=sbtest.sbtest1=t14 "$T/sb.mcr"
expect_grep "... naming it" "the state mirror: seq '.N' of writer yy is not a number" "$T/err"
expect_eq "... no rows of it committed" "$($CLI sql "SELECT COUNT(*) AS n FROM t14" 2>&1 | sed 1d)" "0"

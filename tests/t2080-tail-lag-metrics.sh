#!/bin/sh
# mc-binlog-tail | mc-tunnel-put against a live MariaDB: the progress lines
# and the --metrics files read during the run agree with the final counts;
# the lag is measured against a writer whose timestamp is known (SET
# TIMESTAMP 300 s back) and --max-lag=100 raises one alert of kind lag in
# each program, through --on-alert with the line on standard input.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
S=$MDB_SERVER_ID
sql "CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, v VARCHAR(20))"
W=$T/wh
cat >"$T/alert.sh" <<EOS
#!/bin/sh
{ printf '%s %s ' "\$MCSYNC_PROGRAM" "\$MCSYNC_ALERT"; cat; } >>"$T/alerts"
EOS
chmod +x "$T/alert.sh"
mkfifo "$T/fifo"
mc-binlog-tail $MDB_ARGS --server-id=$((S + 1)) --heartbeat=0.3 --start=mysql-bin.000001:4 \
	--progress --progress-interval=0.3 --metrics="$T/tail.prom" --metrics-interval=0.2 \
	--max-lag=100 --on-alert="$T/alert.sh" >"$T/fifo" 2>"$T/tail.err" &
tp=$!
mc-tunnel-put --dest="$W" --commit-rows=500 --progress --progress-interval=0.3 \
	--metrics="$T/put.prom" --metrics-interval=0.2 --max-lag=100 --on-alert="$T/alert.sh" \
	<"$T/fifo" 2>"$T/put.err" &
pp=$!
for i in 1 2 3 4 5 6 7 8; do
	sql "USE d; INSERT INTO d.t SELECT seq + $i * 1000, 'x' FROM seq_1_to_500"
	[ -f "$T/put.prom" ] && grep -v '^#' "$T/put.prom" >>"$T/put.during"
	sleep 0.3
done
metric() { sed -n "s/^mcsync_$2{program=\"$1\"} //p" "$3"; }
wait_for '^mcsync_rows_total\{program="mc-tunnel-put"\} 4000$' "$T/put.prom" 300
expect_eq "the sink committed the 4000 rows" "$(metric mc-tunnel-put rows_total "$T/put.prom")" 4000
expect_eq "no lag alert while the writer is current" "$(cat "$T/alerts" 2>/dev/null)" ""
sql "SET TIMESTAMP = UNIX_TIMESTAMP() - 300; INSERT INTO d.t VALUES (1, 'old')"
wait_for '^mc-tunnel-put lag' "$T/alerts" 300
wait_for '^mc-binlog-tail lag' "$T/alerts" 300
expect_grep "... mc-binlog-tail's, with the lag on standard input" '^mc-binlog-tail lag lag: 3[0-9][0-9] s behind the source, over --max-lag=100$' "$T/alerts"
expect_grep "... mc-tunnel-put's" '^mc-tunnel-put lag lag: 3[0-9][0-9] s behind the source, over --max-lag=100$' "$T/alerts"
expect_grep "... and the same line on standard error" 'mc-binlog-tail: alert lag: 3[0-9][0-9] s behind' "$T/tail.err"
sleep 1.5 # heartbeats: the lag falls back
for p in mc-binlog-tail:tail mc-tunnel-put:put; do
	f=$T/${p#*:}.prom
	expect_eq "${p%:*}: the highest lag is the writer's 300 s" \
		"$(metric ${p%:*} lag_max_seconds "$f" | awk '{ print ($1 >= 299 && $1 <= 320) ? "yes" : $1 }')" yes
	expect_eq "${p%:*}: the lag falls back once the source is current" \
		"$(metric ${p%:*} lag_seconds "$f" | awk '{ print ($1 < 5) ? "yes" : $1 }')" yes
done
kill -TERM $tp
wait $tp
expect_eq "the tail ends on SIGTERM" "$?" 0
wait $pp
expect_eq "the sink ends well" "$?" 0
expect_eq "one alert each, not one per transaction" "$(wc -l <"$T/alerts")" 2
rows=$(find "$W" -name 'part-*.mcr.zst' -path '*_log/*' | sort | xargs cat | mc-cat --to=jsonl | grep -c '"kind":"row"')
expect_eq "the warehouse holds the 4001 rows" "$rows" 4001
expect_eq "final metrics: rows committed" "$(metric mc-tunnel-put rows_total "$T/put.prom")" 4001
expect_eq "... commits counted" "$(metric mc-tunnel-put commits_total "$T/put.prom" | awk '{ print ($1 >= 9) ? "yes" : $1 }')" yes
expect_eq "... not running" "$(metric mc-tunnel-put running "$T/put.prom")" 0
expect_eq "mc-binlog-tail: records written = rows + marks + schema records" \
	"$(metric mc-binlog-tail records_total "$T/tail.prom" | awk -v r=4001 '{ print ($1 > r) ? "yes" : $1 }')" yes
pos=$(sql "SHOW MASTER STATUS" | cut -f2)
expect_eq "mc-binlog-tail: the position read is the server's" "$(metric mc-binlog-tail binlog_position "$T/tail.prom")" "$pos"
python3 - "$T/put.err" "$T/put.during" <<'PY' >"$T/check"
import re, sys
err = open(sys.argv[1]).read().splitlines()
bad = []
lines = [l for l in err if re.match(r'mc-tunnel-put: \d+ rows', l)]
vals = [int(re.match(r'mc-tunnel-put: (\d+) rows', l)[1]) for l in lines]
if len(vals) < 3 or vals != sorted(vals) or max(vals) > 4001: bad.append('progress rows: %r' % vals)
if not any(re.search(r'at 1:\d+:\d+, ', l) for l in lines): bad.append('no committed position in %r' % lines[-1:])
summ = [l for l in err if l.startswith('mc-tunnel-put: done: ')]
if len(summ) != 1 or not summ[0].startswith('mc-tunnel-put: done: 4001 rows'): bad.append('summary %r' % summ)
mid = [int(v) for v in re.findall(r'mcsync_rows_total\{program="mc-tunnel-put"\} (\d+)', open(sys.argv[2]).read())]
if not any(0 < v < 4000 for v in mid): bad.append('metrics never read mid-run: %r' % mid)
print('\n'.join(bad) or 'good')
PY
expect_eq "progress lines and metrics read mid-run rise to the final counts" "$(cat "$T/check")" good

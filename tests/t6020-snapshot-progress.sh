#!/bin/sh
# mc-snapshot --progress and --metrics during a real run: the numbers of
# every line and of the metrics file read while it runs are checked against
# the final counts; the ETA holds where the server's row estimate is far
# too low (it read 0:00:00 at 77% before: issue 17).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE s; USE s;
CREATE TABLE s.big (id INT PRIMARY KEY, v VARCHAR(50)) STATS_PERSISTENT=1 STATS_AUTO_RECALC=0;
INSERT INTO s.big SELECT seq, REPEAT('x', 40) FROM seq_1_to_1000; ANALYZE TABLE s.big;
INSERT INTO s.big SELECT seq, REPEAT('y', 40) FROM seq_1001_to_30000;
CREATE TABLE s.small (id INT PRIMARY KEY); INSERT INTO s.small SELECT seq FROM seq_1_to_500;
UPDATE mysql.innodb_table_stats SET n_rows=1000 WHERE database_name='s' AND table_name='big';" \
	>/dev/null 2>"$T/err" || { fail "create tables" "$(cat "$T/err")"; exit 1; }
mdb_restart # the persistent statistics (1000 rows of 30000) are read again
expect_eq "the server estimates 1000 rows of 30000" \
	"$(sql "SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA='s' AND TABLE_NAME='big'")" 1000

M=$T/snap.prom
timeout -k 5 120 mc-snapshot $MDB_ARGS --databases=s --chunk-rows=1000 --threads=2 --max-rate=6000 \
	--progress --progress-interval=0.5 --metrics="$M" --metrics-interval=0.3 >"$T/snap.mcr" 2>"$T/snap.err" &
pid=$!
: >"$T/during"
while kill -0 $pid 2>/dev/null; do
	[ -f "$M" ] && grep -v '^#' "$M" >>"$T/during" && echo "--" >>"$T/during"
	sleep 0.4
done
wait $pid
expect_eq "the snapshot ends well" "$?" 0
rows=$(mc-cat --to=jsonl "$T/snap.mcr" | grep -c '"kind":"row"')
expect_eq "it wrote every row" "$rows" 30500
python3 - "$T/snap.err" "$T/during" "$M" "$rows" >"$T/check" 2>&1 <<'PY'
import re, sys
err, during, final, rows = open(sys.argv[1]).read().splitlines(), open(sys.argv[2]).read(), open(sys.argv[3]).read(), int(sys.argv[4])
bad = []
lines = [l for l in err if l.startswith('mc-snapshot: table ')]
if len(lines) < 3: bad.append('only %d progress lines' % len(lines))
prev = 0
for l in lines:
    m = re.search(r'all (\d+) of ~(\d+) rows \((\d+)%\).* (\d+):(\d\d):(\d\d) elapsed, ETA (\S+)', l)
    if not m: bad.append('unparsed: ' + l); continue
    done, tot, pct = int(m[1]), int(m[2]), int(m[3])
    el = int(m[4]) * 3600 + int(m[5]) * 60 + int(m[6])
    if done < prev or done > rows: bad.append('rows not rising within the final count: ' + l)
    prev = done
    if not (rows * 0.9 <= tot <= rows * 1.1): bad.append('total not within 10%% of %d: %s' % (rows, l))
    if m[7] == '0:00:00': bad.append('ETA 0:00:00 on a line before the last: ' + l)
    if done > rows * 0.2 and m[7] != '?':
        h, mi, s = map(int, m[7].split(':'))
        if el + h * 3600 + mi * 60 + s > 3 * (rows / 6000) + 3: bad.append('ETA far off: ' + l)
summ = [l for l in err if l.startswith('mc-snapshot: done: ')]
if len(summ) != 1 or not summ[0].startswith('mc-snapshot: done: %d rows' % rows): bad.append('summary: %r' % summ)
seen = [int(v) for v in re.findall(r'mcsync_rows_total\{program="mc-snapshot"\} (\d+)', during)]
running = re.findall(r'mcsync_running\{program="mc-snapshot"\} 1', during)
if not any(0 < v < rows for v in seen) or not running: bad.append('no metrics read mid-run: %r' % seen)
if seen != sorted(seen) or max(seen) > rows: bad.append('metrics rows not rising to the count: %r' % seen)
for k, v in (('rows_total', rows), ('snapshot_tables_done', 2), ('running', 0), ('errors_total', 0)):
    if not re.search(r'^mcsync_%s\{program="mc-snapshot"\} %d$' % (k, v), final, re.M): bad.append('final %s != %d' % (k, v))
if not re.search(r'^# TYPE mcsync_rows_total counter$', final, re.M): bad.append('no TYPE line')
print('\n'.join(bad) if bad else 'good')
PY
expect_eq "progress lines and metrics agree with the final counts; the ETA holds" "$(cat "$T/check")" good
[ "$(cat "$T/check")" = good ] || sed 's/^/#   /' "$T/snap.err" | head -20

# off a terminal without --progress: nothing but the final metrics
expect_ok "no progress line off a terminal by default" mc-snapshot $MDB_ARGS --databases=s --tables='s\.small' --metrics="$T/m2.prom"
expect_eq "... standard error is empty" "$(cat "$T/err")" ""
expect_grep "... the metrics file holds the rows" '^mcsync_rows_total{program="mc-snapshot"} 500$' "$T/m2.prom"
expect_code 2 "--metrics-interval=0 is a usage error" mc-snapshot $MDB_ARGS --metrics-interval=0

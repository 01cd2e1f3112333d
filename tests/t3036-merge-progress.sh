#!/bin/sh
# mc-merge --progress: the share of the input read. A merge big enough to
# take a few seconds (a 400000-row base, 10 log files in range,
# 8 MB of memory: runs spilled), its progress lines and its --metrics file
# read while it runs: the % only rises, ends at 100, and the bytes read
# end at the input's size (the base's files once, the log's files in range
# twice: once for its DDL, once for its changes); the summary's counts are
# the partition's and -v's.
. "$(dirname "$0")/lib.sh"

G=$BIN/tools/mcgen
"$G" sysbench 400000 >"$T/sb.mcr" && "$G" changes 400000 300000 >"$T/ch.mcr" ||
	{ fail "mcgen" "failed"; exit 1; }
expect_ok "load the base and the log" mc-tunnel-put --dest="$T/w" --commit-rows=20000 \
	"$T/sb.mcr" "$T/ch.mcr" || exit 1
TB=sbtest__sbtest1
# the merge of day 2 reads the base (day 1) and the log of days 1 and 2
# (the log's positions start at the snapshot's; day 3's are past the cut)
size_of() { sed -n 's/^file\.[^ ]* [0-9]* \([0-9]*\) .*/\1/p' "$@" | awk '{ s += $1 } END { print s + 0 }'; }
base=$(size_of "$T/w/$TB/ds=20251121/_SUCCESS")
log=$(size_of "$T/w/${TB}_log/ds=20251121/_SUCCESS" "$T/w/${TB}_log/ds=20251122/_SUCCESS")
nlog=$(cat "$T/w/${TB}_log/ds=20251121/_SUCCESS" "$T/w/${TB}_log/ds=20251122/_SUCCESS" | grep -c '^file\.')
want=$((base + 2 * log))

mc-merge --warehouse="$T/w" --table=$TB --ds=20251122 --memory=8M -v --progress \
	--progress-interval=0.1 --metrics="$T/m.prom" --metrics-interval=0.1 2>"$T/merge.err" &
mp=$!
: >"$T/during"
while kill -0 $mp 2>/dev/null; do
	[ -f "$T/m.prom" ] && grep '^mcsync_input' "$T/m.prom" | tr '\n' ' ' >>"$T/during" && echo >>"$T/during"
	sleep 0.05
done
wait $mp
expect_eq "the merge ends well" "$?" 0
rows=$(sed -n 's/^rows //p' "$T/w/$TB/ds=20251122/_SUCCESS")
metric() { sed -n "s/^mcsync_$1{program=\"mc-merge\"} //p" "$T/m.prom"; }
expect_eq "final metrics: the input's size (base once, log twice)" "$(metric input_bytes)" "$want"
expect_eq "final metrics: all of it read" "$(metric input_read_bytes)" "$want"
expect_eq "final metrics: rows written are the partition's" "$(metric rows_total)" "$rows"
python3 - "$T/merge.err" "$T/during" "$want" "$rows" "$nlog" <<'PY' >"$T/check"
import re, sys
err = open(sys.argv[1]).read().splitlines()
want, rows, nlog = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
bad = []
pl = [l for l in err if re.match(r'mc-merge: sbtest__sbtest1: (plan|read|merge|done): ', l)]
pct, total = [], None
for l in pl:
    m = re.search(r': (\d+)% of input read \(([\d.]+ \w+) of ([\d.]+ \w+)\), (\d+) changes read, (\d+) rows written, (\d+) runs spilled', l)
    if not m:
        bad.append('line without the share read: %r' % l)
        continue
    pct.append(int(m[1]))
    total = m[3]
if len(pct) < 2: bad.append('fewer than 2 progress lines: %r' % pl)
if pct != sorted(pct): bad.append('the %% goes down: %r' % pct)
if pct and pct[-1] > 100: bad.append('over 100%%: %r' % pct)
if not any(0 < p < 100 for p in pct): bad.append('no line between 0 and 100%%: %r' % pct)
summ = [l for l in err if l.startswith('mc-merge: done: ')]
v = [re.search(r' and (\d+) changes in (\d+) files', l) for l in err]
v = [m for m in v if m]
if len(summ) != 1 or not v:
    bad.append('summary %r, -v %r' % (summ, [m[0] for m in v]))
else:
    m = re.match(r'mc-merge: done: sbtest__sbtest1: (\d+) rows written, (\d+) changes applied from (\d+) log files, \d+ runs spilled, ([\d.]+ \w+) of input read, ', summ[0])
    if not m: bad.append('summary %r' % summ[0])
    elif pl and m[4] != total: bad.append('summary: %s read, the lines said %s to read' % (m[4], total))
    elif (int(m[1]), int(m[2]), int(m[3])) != (rows, int(v[0][1]), nlog) or int(v[0][2]) != nlog:
        bad.append('summary %r: want %d rows, %s changes, %d files' % (summ[0], rows, v[0][1], nlog))
# the metrics file as read during the merge: the bytes only rise, to the total
seen = []
for l in open(sys.argv[2]).read().splitlines():
    r = re.search(r'input_read_bytes\{program="mc-merge"\} (\d+)', l)
    t = re.search(r'input_bytes\{program="mc-merge"\} (\d+)', l)
    if r and t: seen.append((int(r[1]), int(t[1])))
reads = [r for r, t in seen]
if reads != sorted(reads): bad.append('metrics: the bytes read go down: %r' % reads)
if any(r > t for r, t in seen): bad.append('metrics: more read than the total: %r' % seen)
if not any(0 < r < want and t == want for r, t in seen): bad.append('metrics never read mid-merge: %r' % seen)
print('\n'.join(bad) or 'good')
PY
expect_eq "progress lines and metrics read during the merge: the % rises to 100, the counts are the final ones" \
	"$(cat "$T/check")" good

# nothing to read: the snapshot's own day is 100% at once
expect_ok "merging the snapshot's day" mc-merge --warehouse="$T/w" --table=$TB --ds=20251121 \
	--progress --metrics="$T/s.prom"
expect_grep "... reads nothing: 0 bytes of input" '^mcsync_input_read_bytes\{program="mc-merge"\} 0$' "$T/s.prom"
expect_grep "... the summary says so" '^mc-merge: done: .* 0 B of input read' "$T/err"

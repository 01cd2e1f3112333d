#!/bin/sh
# The end-to-end oracle of t6200 with SIGKILL of every stage at random
# moments and reruns until each stage succeeds (issue 6):
#   1. mc-snapshot --checkpoint, racing a writer, killed and rerun; the
#      killed runs' outputs up to their last chunk mark and the last run's
#      output make the snapshot input;
#   2. that input fed (slowly) into mc-tunnel-put: the feeder or the sink
#      killed, the same command rerun;
#   3. mc-binlog-tail FILES | mc-tunnel-put: either process killed, rerun
#      over the same files; and live: mc-binlog-tail --checkpoint-in=C as a
#      replica | mc-tunnel-put --checkpoint-out=C, either killed, the same
#      command rerun;
#   4. mc-merge --ds (with a --memory that makes it spill) killed, rerun:
#      the same partition as an uninterrupted merge, no temporary files left;
#   5. merged at P, every table equals a fresh snapshot at P row by row; the
#      log equals an uninterrupted decode of the binlog: nothing lost or
#      doubled.
# The delays come from a seeded generator: the seed is printed, and
# T6201_SEED=N replays a run. A kill that lands after the stage finished is
# fine (not counted); the test checks that some landed mid-work.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

SEED=${T6201_SEED:-$(( ($$ * 7919 + $(date +%s)) % 1000000 ))}
echo "# seed $SEED (replay: T6201_SEED=$SEED)"
_rnd=$SEED
# rnd N: a pseudo-random integer in [0, N) into RND (no subshell: the state lives on)
rnd() { _rnd=$(( (_rnd * 1103515245 + 12345) % 2147483648 )); RND=$(( (_rnd / 65536) % $1 )); }
msleep() { sleep "$(($1 / 1000)).$(printf %03d $(($1 % 1000)))"; }
# wait_quiet PID: wait for PID without the shell's "Killed" message
wait_quiet() { wait "$1" 2>/dev/null; }
KILLS=${T6201_KILLS:-3}	# kills per stage and round

# slowcat RATE: copy standard input to standard output at RATE bytes/s
cat >"$T/slowcat.py" <<'PY'
import os, sys, time
rate = int(sys.argv[1]); t0 = time.monotonic(); n = 0
try:
    while True:
        b = os.read(0, 2048)
        if not b:
            break
        while b:
            w = os.write(1, b); b = b[w:]; n += w
        d = t0 + n / rate - time.monotonic()
        if d > 0:
            time.sleep(d)
except BrokenPipeError:
    sys.exit(1)
PY
SLOWCAT="python3 $T/slowcat.py"	# run directly, not in a function: $! is its pid

# ledger KEY: a value of the warehouse's ledger ($W), or "-"
ledger() { sed -n "s/^$1 //p" "$W/_mcsync/ledger" 2>/dev/null | grep . || echo -; }

mdb_start
ROWS=1500
export MCSYNC_DEMO_ROWS=$ROWS
sql "$(sed "s/@ROWS@/$ROWS/g" "$TOP/pipelines/demo-data.sql")
CREATE TABLE shop.tick (id INT PRIMARY KEY, note VARCHAR(20));" >"$T/load.out" 2>&1 ||
	{ fail "sample data loads" "$(tail -3 "$T/load.out")"; exit 1; }

# kill counts per stage: how many kills, how many landed mid-work
k_snap=0 m_snap=0 k_feed=0 m_feed=0 k_tail=0 m_tail=0 k_live=0 m_live=0 k_merge=0 m_merge=0 s_merge=0

# --- stage 1: the snapshot, killed and rerun with its checkpoint ---
snapshot_stage() {
	i=0
	while :; do
		i=$((i + 1))
		mc-snapshot $MDB_ARGS --databases=shop --threads=$threads --chunk-rows=100 \
			--max-rate=3000 --checkpoint="$R/snap.ckpt" >"$R/snap.$i.mcr" 2>"$R/snap.$i.err" &
		pid=$!
		killed=0
		if [ $i -le $KILLS ]; then
			rnd 900; msleep $((RND + 50))
			kill -KILL $pid 2>/dev/null && killed=1
		fi
		wait_quiet $pid
		rc=$?
		[ $rc -eq 0 ] && break
		if [ $killed = 0 ] || [ $rc -ne 137 ]; then
			cp "$R/snap.$i.err" "$T/err"
			fail "round $round: mc-snapshot run $i" "exit $rc"; return 1
		fi
		k_snap=$((k_snap + 1))
		# mid-work: the checkpoint names some chunks, not every table done
		if [ -f "$R/snap.ckpt" ] && [ "$(grep -c ' done$' "$R/snap.ckpt")" -lt 3 ]; then
			m_snap=$((m_snap + 1))
		fi
	done
	nsnap=$i
	echo "# round $round: mc-snapshot ran $i times"
	# the pieces: each killed run up to its last chunk mark, then the last run
	j=1
	while [ $j -le $nsnap ]; do
		mc-cat "$R/snap.$j.mcr" >"$R/snap.$j.jsonl" 2>/dev/null
		j=$((j + 1))
	done
	python3 - "$R" "$nsnap" >"$R/snap.jsonl" 2>"$T/err" <<'PY' || { fail "round $round: the snapshot pieces combine" "python"; return 1; }
import json, sys
d, n = sys.argv[1], int(sys.argv[2])
head, recs = None, []  # [line, kept]
chunks = {}            # table: its chunks kept so far, [lo, hi, record indices]
for i in range(1, n + 1):
    lines = open('%s/snap.%d.jsonl' % (d, i)).read().splitlines()
    if not lines:
        continue
    if head is None:
        head = lines[0]
    body = [l for l in lines[1:] if json.loads(l).get('kind') != 'trailer']
    if i < n:  # killed: keep what its last chunk mark covers
        last = -1
        for j, l in enumerate(body):
            r = json.loads(l)
            if r.get('kind') == 'mark' and r['mark'] in ('chunk_end', 'snapshot_end'):
                last = j
        body = [l for l in body[:last + 1]] if last >= 0 else \
               [l for l in body if json.loads(l).get('kind') == 'schema']
    # this run starts each table where the checkpoint the last run left
    # says: chunks the killed run wrote past it (finished, not checkpointed)
    # are read again, maybe chunked otherwise; the sink keeps one chain of
    # (LO, HI] labels (docs/mc-tunnel-put.md), so leave the killed run's out
    starts = {}
    for l in body:
        r = json.loads(l)
        if r.get('kind') == 'mark' and r['mark'] == 'chunk_end':
            starts.setdefault((r['db'], r['table']), r['label'][1:-1].split(', ', 1)[0])
    for t, lo in starts.items():
        cs = chunks.get(t, [])
        while cs and cs[-1][1] != lo:
            for k in cs.pop()[2]:
                recs[k][1] = False
    pend = []
    for l in body:
        r = json.loads(l)
        k = len(recs)
        recs.append([l, True])
        if r.get('kind') == 'row' and r.get('op') == 'snapshot':
            pend.append(k)
        elif r.get('kind') == 'mark' and r['mark'] == 'chunk_end':
            lo, hi = r['label'][1:-1].split(', ', 1)
            chunks.setdefault((r['db'], r['table']), []).append([lo, hi, pend + [k]])
            pend = []
        elif r.get('kind') == 'mark' and r['mark'] == 'snapshot_end':
            # goes with the table's last chunk
            cs = chunks.get((r['db'], r['table']))
            if cs:
                cs[-1][2].append(k)
recs = [l for l, kept in recs if kept]
print(head)
for l in recs:
    print(l)
print(json.dumps({'kind': 'trailer', 'count': len(recs)}))
PY
	mc-cat --from=jsonl --to=mcr "$R/snap.jsonl" >"$R/snap.mcr" 2>"$T/err"
	expect_eq "round $round: the snapshot ($threads threads, $nsnap runs) makes one stream" "$?" 0
}

# --- stage 2: the snapshot into the base: the feeder or the sink killed ---
feed_stage() {
	size=$(wc -c <"$R/snap.mcr")
	total=$(mc-cat "$R/snap.mcr" | grep -c '"kind":"row"')
	rm -f "$R/fifo" && mkfifo "$R/fifo"
	i=0
	while :; do
		i=$((i + 1))
		$SLOWCAT "$size" <"$R/snap.mcr" >"$R/fifo" 2>/dev/null &
		feeder=$!
		mc-tunnel-put --dest="$W" --commit-rows=50 <"$R/fifo" >/dev/null 2>"$R/feed.$i.err" &
		sink=$!
		killed=
		if [ $i -le $KILLS ]; then
			rnd 1000; msleep $((RND + 50))
			rnd 2
			if [ $RND = 0 ]; then kill -KILL $feeder 2>/dev/null && killed=feeder && fifo_release $sink "$R/fifo"
			else kill -KILL $sink 2>/dev/null && killed=sink && fifo_release $feeder "$R/fifo"; fi
		fi
		wait_quiet $feeder; frc=$?
		wait_quiet $sink; src=$?
		[ $frc = 0 ] && [ $src = 0 ] && [ "$(ledger snapshot_rows)" = "$total" ] && break
		if [ -z "$killed" ]; then
			cp "$R/feed.$i.err" "$T/err"
			fail "round $round: the snapshot into the base, run $i" "exit $frc/$src"; return 1
		fi
		k_feed=$((k_feed + 1))
		n=$(ledger snapshot_rows)
		[ "$n" = - ] || [ "$n" -lt "$total" ] && m_feed=$((m_feed + 1))
		[ $i -gt 20 ] && { fail "round $round: the snapshot into the base" "no success in 20 runs"; return 1; }
	done
	echo "# round $round: the snapshot went into the base in $i runs"
	for t in customers order_items tick; do
		[ -f "$W/shop__$t/"ds=*/_SUCCESS ] || { fail "round $round: the base of shop.$t is complete" "no _SUCCESS"; return 1; }
	done
	for t in customers order_items; do
		mc-cat --to=csv --table="shop.$t" "$W/shop__$t/"ds=*/part-*.mcr.zst | sort >"$R/$t.base"
		mc-cat --to=csv --table="shop.$t" "$R/snap.mcr" | sort >"$R/$t.snap"
		expect_same "round $round: after $i runs the base of shop.$t holds the snapshot's rows once" \
			"$R/$t.base" "$R/$t.snap"
	done
}

# --- stage 3: the binlog into the log: the tail or the sink killed, the same
# command rerun. files: mc-binlog-tail FILES | mc-tunnel-put into $W, rerun
# over the same files. live: mc-binlog-tail as a replica --checkpoint-in=C
# --stop-at-end | mc-tunnel-put --checkpoint-out=C into $R/wlive, a copy of
# the warehouse as it was before stage 3, rerun until a run reaches the end
# of the server's binlog. Both logs must equal the decode of the files
# (checked below). ---
# run in the background as `tail_src &`: exec, so that $! is the tail itself
tail_src() {
	if [ $mode = files ]; then
		exec mc-binlog-tail --tables='^shop\.' --from="$from" $files
	else
		exec mc-binlog-tail $MDB_ARGS --tables='^shop\.' --server-id=$((4300 + round)) \
			--checkpoint-in="$R/live.ckpt" --start="$start" --stop-at-end --retry-time=0
	fi
}
tail_stage() {
	mode=$1
	if [ $mode = files ]; then LW=$W ck=; else LW=$R/wlive ck=--checkpoint-out=$R/live.ckpt; fi
	set -- $(echo "$from" | sed 's/:\([0-9]*\)$/ \1/')
	start=$(basename "$1"):$2
	# the rate: the whole stream in about 2 s, so that most kills land mid-work
	size=$(( $(mc-binlog-tail --tables='^shop\.' --from="$from" $files | wc -c) / 2 ))
	i=0
	: >"$R/$mode.kills"
	while :; do
		i=$((i + 1))
		rm -f "$R/fifo1" "$R/fifo2" && mkfifo "$R/fifo1" "$R/fifo2"
		tail_src >"$R/fifo1" 2>"$R/tail.$mode.$i.err" &
		src=$!
		$SLOWCAT "$size" <"$R/fifo1" >"$R/fifo2" 2>/dev/null &
		pipe=$!
		mc-tunnel-put --dest="$LW" --commit-rows=20 $ck <"$R/fifo2" >/dev/null \
			2>"$R/tput.$mode.$i.err" &
		sink=$!
		killed=
		if [ $i -le $KILLS ]; then
			rnd 800; msleep $((RND + 50))
			rnd 2
			if [ $RND = 0 ]; then kill -KILL $src 2>/dev/null && killed=tail && fifo_release "$pipe $sink" "$R/fifo1" "$R/fifo2"
			else kill -KILL $sink 2>/dev/null && killed=sink && fifo_release "$src $pipe" "$R/fifo1" "$R/fifo2"; fi
		fi
		wait_quiet $src; trc=$?
		wait_quiet $pipe
		wait_quiet $sink; prc=$?
		[ $trc = 0 ] && [ $prc = 0 ] && break
		if [ -z "$killed" ]; then
			cat "$R/tail.$mode.$i.err" "$R/tput.$mode.$i.err" >"$T/err"
			fail "round $round: the binlog ($mode) into the log, run $i" "exit $trc/$prc"; return 1
		fi
		echo "$killed $(sed -n 's/^pos //p' "$LW/_mcsync/ledger" 2>/dev/null)" >>"$R/$mode.kills"
		[ $i -gt 20 ] && { fail "round $round: the binlog ($mode) into the log" "no success in 20 runs"; return 1; }
	done
	final=$(sed -n 's/^pos //p' "$LW/_mcsync/ledger")
	# mid-work: the ledger a kill left was below the final position
	k=$(wc -l <"$R/$mode.kills")
	n=$(awk -v f="$final" '$2 != f' "$R/$mode.kills" | wc -l)
	if [ $mode = files ]; then k_tail=$((k_tail + k)) m_tail=$((m_tail + n))
	else k_live=$((k_live + k)) m_live=$((m_live + n)); fi
	echo "# round $round: the binlog ($mode) went into the log in $i runs (kills, ledger pos after: $(tr '\n' ' ' <"$R/$mode.kills"))"
}

# --- stage 4: the merge of the next day, killed while it spills, rerun ---
merge_stage() {
	t=$1
	mc-merge --warehouse="$R/wref" --table="shop__$t" --ds="$D1" --memory=1M -v 2>"$R/mref.err"
	expect_eq "round $round: shop.$t: an uninterrupted merge of ds=$D1 succeeds" "$?" 0 || return 1
	t0=$(date +%s%N)
	mc-merge --warehouse="$R/wtime" --table="shop__$t" --ds="$D1" --memory=1M 2>/dev/null
	dur=$(( ($(date +%s%N) - t0) / 1000000 + 1 ))
	i=0
	while :; do
		i=$((i + 1))
		mc-merge --warehouse="$W" --table="shop__$t" --ds="$D1" --memory=1M 2>"$R/merge.$i.err" &
		pid=$!
		killed=0
		if [ $i -le $KILLS ]; then
			rnd $((dur * 3 / 4 + 1)); msleep $RND
			kill -KILL $pid 2>/dev/null && killed=1
		fi
		wait_quiet $pid
		rc=$?
		[ $rc -eq 0 ] && break
		if [ $killed = 0 ] || [ $rc -ne 137 ]; then
			cp "$R/merge.$i.err" "$T/err"
			fail "round $round: shop.$t: mc-merge run $i" "exit $rc"; return 1
		fi
		k_merge=$((k_merge + 1))
		# mid-work: no partition yet, or (a rerun of a finished merge) runs spilled
		spill=$(find "$W" -name '.tmp-merge.*' | head -1)
		[ -n "$spill" ] && s_merge=$((s_merge + 1))
		[ ! -f "$W/shop__$t/ds=$D1/_SUCCESS" ] || [ -n "$spill" ] && m_merge=$((m_merge + 1))
	done
	echo "# round $round: shop.$t merged in $i runs (an uninterrupted merge takes $dur ms)"
	(cd "$R/wref/shop__$t/ds=$D1" && find . -type f | sort | xargs sha256sum) >"$R/m.want"
	(cd "$W/shop__$t/ds=$D1" && find . -type f | sort | xargs sha256sum) >"$R/m.got"
	expect_same "round $round: shop.$t: the killed and rerun merge wrote the same partition" \
		"$R/m.got" "$R/m.want"
	left=$(find "$W" -name '.tmp*' -o -name '*.tmp' | head -3 | tr '\n' ' ')
	expect_eq "round $round: shop.$t: no temporary files are left" "$left" ""
	mc-cat --to=csv --table="shop.$t" "$W/shop__$t/ds=$D1"/*.mcr* | sort >"$R/$t.day"
	mc-cat --to=csv --table="shop.$t" "$R/truth.mcr" | sort >"$R/$t.want"
	expect_same "round $round: shop.$t: the partition ds=$D1 equals the source at P" \
		"$R/$t.day" "$R/$t.want"
}

round=0
for threads in 1 4; do
	round=$((round + 1))
	R=$T/r$round
	W=$R/wh
	mkdir -p "$R"
	# the writer: inserts, updates, key-changing updates, deletes, spread over seconds
	sh "$TOP/pipelines/demo-load.sh" 600 $((round * 1000)) |
		sed 's/^COMMIT;$/COMMIT; DO SLEEP(0.004);/' >"$R/load.sql"
	sql "source $R/load.sql" >"$R/writer.out" 2>&1 &
	writer=$!
	snapshot_stage || exit 1
	wait $writer
	expect_eq "round $round: the writer ran during the snapshot runs" "$?" 0
	sql "FLUSH BINARY LOGS"
	feed_stage || exit 1
	# P: the writer has stopped; the truth is a fresh snapshot at P
	mc-snapshot $MDB_ARGS --databases=shop --threads=1 >"$R/truth.mcr" 2>"$T/err"
	set -- $(mc-cat --to=summary "$R/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
	from=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1"):$2
	files=$(ls "$MDB_DIR"/binlog/mysql-bin.[0-9]*)
	mc-binlog-tail --tables='^shop\.' --from="$from" $files >"$R/ref.mcr" 2>"$T/err"
	expect_eq "round $round: the binlog up to P decodes" "$?" 0
	at=$(mc-cat --to=summary "$R/ref.mcr" | sed -n 's/^positions: .* \.\. //p')
	# after P, a change stamped two days later: it ends the next day D1 in the
	# log, so that mc-merge --ds=D1 can build the state at P
	D1=$(date -u -d tomorrow +%Y%m%d)
	sql "SET timestamp = UNIX_TIMESTAMP() + 2 * 86400; INSERT INTO shop.tick VALUES ($round, 'next day');
		FLUSH BINARY LOGS"
	files=$(ls "$MDB_DIR"/binlog/mysql-bin.[0-9]*)
	mc-binlog-tail --tables='^shop\.' --from="$from" $files >"$R/ref.mcr" 2>"$T/err"
	rm -rf "$R/wlive" && cp -a "$W" "$R/wlive"
	tail_stage files || exit 1
	tail_stage live || exit 1

	# the log equals an uninterrupted decode: nothing lost or doubled
	for LW in "$W" "$R/wlive"; do
	# live: a rerun starts where the sink's checkpoint says; before the first
	# change commit that is the lowest committed chunk watermark (the ledger's
	# snapshot_low), and the changes at or below it are in every chunk: the
	# log may then start after them
	low=-; [ "$LW" = "$W" ] || low=$(sed -n 's/^snapshot_low //p' "$LW/_mcsync/ledger" | grep . || echo -)
	python3 - "$LW" "$R/ref.mcr" "$low" >"$R/logcheck" 2>"$T/err" <<'PY'
import glob, json, os, subprocess, sys
w, ref, low = sys.argv[1], sys.argv[2], sys.argv[3]
def rows(path):
    out = subprocess.run(['mc-cat', path], check=True, capture_output=True, text=True).stdout
    return [l for l in out.splitlines() if json.loads(l).get('kind') == 'row']
got = []
for m in glob.glob(os.path.join(w, 'shop__*_log', '**', '_SUCCESS'), recursive=True):
    for l in open(m):
        if l.startswith('file.'):
            got += rows(os.path.join(os.path.dirname(m), l.split()[0][5:]))
want = rows(ref)
if low != '-' and sorted(got) != sorted(want):
    lo = tuple(int(x) for x in low.split(':'))
    want = [l for l in want if tuple(json.loads(l)['pos']) > lo]
pos = {tuple(json.loads(l)['pos']) for l in got}
print(len(got), len(pos), len(want), 'same' if sorted(got) == sorted(want) else 'differ')
PY
	read -r nlog npos nref same <"$R/logcheck"
	what=files; [ "$LW" = "$W" ] || what=live
	expect_eq "round $round: the log ($what) holds every change of the binlog once ($nref rows)" \
		"$nlog/$npos/$same" "$nref/$nref/same"
	expect_eq "round $round: the binlog stage ($what) ledger ends at the end of the binlog" \
		"$(sed -n 's/^pos //p' "$LW/_mcsync/ledger")" "$(mc-cat --to=summary "$R/ref.mcr" | sed -n 's/^positions: .* \.\. //p')"
	done
	[ "$nref" -gt 0 ] && ok "round $round: the writer changed $nref rows after the lowest watermark" ||
		fail "round $round: the log holds changes" "none"

	# stage 4 on copies made before any merge: one for the reference, one for timing
	cp -a "$W" "$R/wref" && cp -a "$W" "$R/wtime"
	for t in customers order_items; do
		merge_stage $t || exit 1
	done

	# stage 5: the oracle at P, for the warehouse of both binlog stages
	for LW in "$W" "$R/wlive"; do
	what=files; [ "$LW" = "$W" ] || what=live
	for t in customers order_items; do
		mc-merge --warehouse="$LW" --table="shop__$t" --at="$at" --output="$R/$t.mcr" 2>"$T/err"
		expect_eq "round $round: shop.$t ($what) merges at P" "$?" 0
		mc-cat --to=csv --table="shop.$t" "$R/$t.mcr" | sort >"$R/$t.got"
		n=$(($(wc -l <"$R/$t.want") - 1))
		expect_same "round $round: shop.$t ($what) equals the source at P, all $n rows, every value" \
			"$R/$t.got" "$R/$t.want"
	done
	done
	rm -rf "$R/wtime"
done

echo "# kills (landed mid-work): snapshot $k_snap ($m_snap), snapshot->base $k_feed ($m_feed)," \
	"binlog->log $k_tail ($m_tail), live binlog->log $k_live ($m_live), merge $k_merge ($m_merge, $s_merge while spilling)"
expect_eq "kills of mc-snapshot landed mid-work" "$([ $m_snap -gt 0 ] && echo yes)" yes
expect_eq "kills of the snapshot feed landed mid-work" "$([ $m_feed -gt 0 ] && echo yes)" yes
expect_eq "kills of the binlog stage landed mid-work" "$([ $m_tail -gt 0 ] && echo yes)" yes
expect_eq "kills of the live binlog stage landed mid-work" "$([ $m_live -gt 0 ] && echo yes)" yes
expect_eq "kills of mc-merge landed mid-work" "$([ $m_merge -gt 0 ] && echo yes)" yes

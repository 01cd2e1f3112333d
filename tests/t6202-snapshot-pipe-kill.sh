#!/bin/sh
# A snapshot piped into the sink, one side SIGKILLed at a time, the same
# command rerun: the base must hold every row exactly once (DESIGN.md:
# "killing any stage with SIGKILL at any moment and rerunning the same
# command must leave the destination exactly as an uninterrupted run would").
#
# 1. `mc-snapshot --checkpoint-in=C | mc-tunnel-put --checkpoint-out=C`: the
#    source resumes from what the sink committed (its chunk chain), so a
#    chunk the source wrote into the pipe but the sink never committed is
#    sent again; several kills of either side, then the rerun.
# 2. `mc-snapshot --checkpoint=S | mc-tunnel-put`: the source's own
#    checkpoint, the source killed (the sink read every chunk it wrote;
#    the resumed source's first chunk may repeat one: dropped. With rows
#    changing meanwhile it may bound it otherwise: exit 1, t3001; no
#    writer here).
# 3. A saved snapshot file fed again and again to a sink killed at spread
#    points: the warehouse ends byte for byte as an uninterrupted run's.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
# a, b (a composite key starting with a string: literals in the labels and
# the checkpoint are compared byte for byte) and c (no key: one chunk)
sql "CREATE DATABASE r; USE r; CREATE TABLE r.a (id INT PRIMARY KEY, v VARCHAR(20));
INSERT INTO r.a SELECT seq, CONCAT('a', seq) FROM seq_1_to_3000;
CREATE TABLE r.b (k VARCHAR(20), n INT, v INT, PRIMARY KEY (k, n)) CHARSET utf8mb4;
INSERT INTO r.b SELECT CONCAT('k', seq % 7, 'é'), seq, seq FROM seq_1_to_1500;
CREATE TABLE r.c (v INT);
INSERT INTO r.c SELECT seq FROM seq_1_to_300;"
mkfifo "$T/fifo"
SNAP="mc-snapshot $MDB_ARGS --databases=r --threads=2 --chunk-rows=200"

_rnd=${T6202_SEED:-$(date +%s)}
echo "# seed $_rnd (T6202_SEED=N replays)"
rnd() { _rnd=$(( (_rnd * 1103515245 + 12345) % 2147483648 )); RND=$(( (_rnd / 65536) % $1 )); }
msleep() { sleep "$(($1 / 1000)).$(printf %03d $(($1 % 1000)))"; }

# check W what: every table's base complete, each row once
check_base() {
	for tb in a:3000 b:1500 c:300; do
		t=${tb%:*} want=${tb#*:}
		if ! [ -f "$1/r__$t/"ds=*/_SUCCESS ]; then
			fail "$2: the base of r.$t is complete" "no _SUCCESS"; continue
		fi
		mc-cat --to=csv --table=r.$t "$1/r__$t/"ds=*/part-*.mcr.zst 2>"$T/err" |
			grep -v '^id,\|^k,\|^v$' >"$T/rows"
		expect_eq "$2: the base of r.$t holds every row once" \
			"$(wc -l <"$T/rows")/$(sort -u "$T/rows" | wc -l)" "$want/$want"
	done
}

# --- 1: --checkpoint-in from the sink's --checkpoint-out, kills of both sides ---
W=$T/w1 C=$T/w1.ckpt
kills=0 mid=0 ksnap=0 ksink=0 bad=0
for k in 1 2 3 4 5 6; do
	before=$(cksum <"$C" 2>/dev/null)
	$SNAP --max-rate=1000 --checkpoint-in="$C" >"$T/fifo" 2>"$T/s.err" &
	snap=$!
	mc-tunnel-put --partial-ok --dest="$W" --commit-rows=100 --checkpoint-out="$C" <"$T/fifo" 2>"$T/p.err" &
	sink=$!
	if [ $((k % 2)) = 0 ]; then
		# every other run waits for a commit of its own (the checkpoint
		# changed) and kills soon after it: mid-work even where a slow
		# build (the sanitizers) takes most of a second to start
		w=0
		while [ $w -lt 500 ] && [ "$(cksum <"$C" 2>/dev/null)" = "$before" ] &&
			kill -0 $sink 2>/dev/null; do
			sleep 0.02; w=$((w + 1))
		done
		rnd 200; msleep $RND
	else
		rnd 600; msleep $((RND + 100))
	fi
	rnd 2
	side=
	if [ $RND = 0 ]; then kill -KILL $snap 2>/dev/null && side=snap && fifo_release $sink "$T/fifo"
	else kill -KILL $sink 2>/dev/null && side=sink && fifo_release $snap "$T/fifo"; fi
	wait $snap 2>/dev/null
	wait $sink 2>/dev/null
	src=$?
	case $side in
	snap) ksnap=$((ksnap + 1))
		# the sink keeps what the killed source's chunks hold; a source
		# killed before its header (a loaded machine) leaves an empty
		# pipe, which the sink refuses as such (exit 1), committing nothing
		if [ $src != 0 ] && ! { [ $src = 1 ] && grep -q 'empty input: no record stream header' "$T/p.err"; }; then
			bad=$((bad + 1)); cp "$T/p.err" "$T/err"
		fi ;;
	sink) ksink=$((ksink + 1)) ;;
	esac
	# mid-work: something committed, not every table done
	[ -n "$side" ] && [ -f "$C" ] && [ "$(grep -c ' done$' "$C")" -lt 3 ] && mid=$((mid + 1))
done
echo "# kills: $ksnap of the source, $ksink of the sink, $mid mid-work"
expect_eq "a sink whose source was killed exits 0" "$bad" 0
[ $mid -ge 3 ] && ok "the kills landed mid-work ($mid)" || fail "kills" "only $mid landed mid-work"
i=0
while [ $i -lt 50 ]; do
	# the killed sink's lock goes once the kernel closed its files
	$SNAP --checkpoint-in="$C" 2>"$T/s.err" | mc-tunnel-put --dest="$W" --checkpoint-out="$C" 2>"$T/p.err"
	rc=$?
	[ $rc -ne 3 ] && break
	sleep 0.2
	i=$((i + 1))
done
cat "$T/s.err" "$T/p.err" >"$T/err"
expect_eq "--checkpoint-in flow: the rerun of the pipeline exits 0" "$rc" 0
check_base "$W" "--checkpoint-in flow"
expect_eq "the sink's checkpoint says every table is done" "$(grep -c '^table\.r\.[abc] done$' "$C")" 3
expect_grep "it names where a binlog tail starts (the lowest chunk watermark)" '^resume [0-9]+:[0-9]+:0$' "$C"
(cd "$W" && find . -type f ! -name '*.lock' | sort | xargs sha256sum) >"$T/t1"
$SNAP --checkpoint-in="$C" 2>/dev/null | mc-tunnel-put --dest="$W" --checkpoint-out="$C" 2>"$T/err"
expect_eq "a rerun after completion exits 0" "$?" 0
(cd "$W" && find . -type f ! -name '*.lock' | sort | xargs sha256sum) >"$T/t2"
expect_same "and changes nothing" "$T/t1" "$T/t2"
$SNAP --checkpoint-in="$W/_mcsync/ledger" >"$T/out" 2>"$T/err"
expect_eq "the sink's ledger serves as --checkpoint-in too: no rows left to read" \
	"$?/$(mc-cat "$T/out" | grep -c '"kind":"row"')" 0/0

# --- 2: the source's own --checkpoint, the source killed ---
W=$T/w2 S=$T/s2.ckpt
for k in 1 2 3; do
	$SNAP --max-rate=4000 --checkpoint="$S" >"$T/fifo" 2>/dev/null &
	snap=$!
	mc-tunnel-put --partial-ok --dest="$W" --commit-rows=100 <"$T/fifo" 2>"$T/p.err" &
	sink=$!
	rnd 700; msleep $((RND + 150))
	kill -KILL $snap 2>/dev/null && fifo_release $sink "$T/fifo"
	wait $snap 2>/dev/null
	wait $sink
	rc=$?
	# a source killed before its header (a loaded machine): an empty
	# pipe, refused as such (exit 1), nothing committed
	[ $rc = 1 ] && grep -q 'empty input: no record stream header' "$T/p.err" && rc=0
	cp "$T/p.err" "$T/err"
	expect_eq "own checkpoint, source killed ($k): the sink exits 0 at the open end" "$rc" 0
done
$SNAP --checkpoint="$S" 2>/dev/null | mc-tunnel-put --dest="$W" 2>"$T/err"
expect_eq "own checkpoint: the rerun exits 0" "$?" 0
check_base "$W" "own checkpoint, source killed"

# --- 3: the same saved snapshot fed again to a killed sink ---
$SNAP >"$T/snap.mcr" 2>/dev/null
expect_eq "a saved snapshot" "$?" 0
run() { mc-tunnel-put --dest="$1" --commit-rows=100 --checkpoint-out="$1.ckpt" "$T/snap.mcr"; }
t0=$(date +%s%N)
run "$T/ref" 2>"$T/err"
t1=$(date +%s%N)
kills=0
for d in $(awk -v ns=$((t1 - t0)) 'BEGIN { for (k = 1; k <= 12; k++) printf "%.3f\n", ns / 1e9 * k / 13 }'); do
	timeout -k 5 -s KILL "$d" mc-tunnel-put --dest="$T/k" --commit-rows=100 --checkpoint-out="$T/k.ckpt" \
		"$T/snap.mcr" 2>/dev/null
	[ $? -eq 137 ] && kills=$((kills + 1))
done
echo "# $kills runs killed"
i=0
while [ $i -lt 50 ]; do
	run "$T/k" 2>"$T/err"
	rc=$?
	[ $rc -ne 3 ] && break
	sleep 0.2
	i=$((i + 1))
done
expect_eq "the same file fed again after $kills kills: exit 0" "$rc" 0
check_base "$T/k" "the same file fed again"
(cd "$T/ref" && find . -type f ! -name '*.lock' | sort | xargs sha256sum) >"$T/t1"
(cd "$T/k" && find . -type f ! -name '*.lock' | sort | xargs sha256sum) >"$T/t2"
expect_same "the warehouse equals an uninterrupted run's" "$T/t1" "$T/t2"
expect_same "and so does --checkpoint-out" "$T/ref.ckpt" "$T/k.ckpt"

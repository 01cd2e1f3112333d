#!/bin/sh
# mc-tunnel-put --dest=odps:// --threads=N (N > 1) encodes a partition's
# rows and PUTs their blocks into its upload session as they settle in the
# sink (at transaction and chunk ends), while the rest of the commit is
# still being read (docs/maxcompute.md "Blocks sent as rows settle",
# common/odps/dest_odps_feed.c). With the input's second half held back,
# blocks of the commit are on the server before the input ends, and the
# table holds what a load with one connection (no feed) holds. A run killed
# while it feeds is rerun to every row once; a session that expires under
# the feed is replaced: the append sends every block again into a new
# session, and the table still holds every row once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"

need python3
need curl
odps_srv
# changes in transactions of 10 rows (txn_end marks), all of one day
"$BIN/tools/mcgen" changes 2000 20000 >"$T/ch0.mcr" || { fail "mcgen" "failed"; exit 1; }
restamp "$T/ch0.mcr" 1763683200 >"$T/ch.mcr" || { fail "restamp" "failed"; exit 1; }
size=$(wc -c <"$T/ch.mcr")
part1=1500000 # bytes held until the session is made, then part2 until blocks are up
part2=1500000
[ "$size" -gt $((part1 + part2 + 1000000)) ] || { fail "the input" "only $size bytes"; exit 1; }
LOG=$T/srv/requests.log
put() { sb_put "$@"; }
cols="mc_op, mc_image, mc_pos_file, mc_pos_off, mc_pos_row, id, k, c, pad"
rows() { $CLI sql "SELECT $cols FROM $1 ORDER BY mc_pos_file, mc_pos_off, mc_pos_row, mc_image" 2>&1; }
opts="--threads=4 --compress=zstd --block-size=65536"

# the reference: one connection (no feed)
expect_ok "the load with one connection" put f0 st0 --threads=1 "$T/ch.mcr"
rows f0_log >"$T/want"
[ "$(wc -l <"$T/want")" -gt 20000 ] || fail "the reference" "$(wc -l <"$T/want") lines"

# --- the input held back: blocks go up before it ends ---
$CLI sql "SELECT 1" >/dev/null 2>&1 # (the server's log begins)
n0=$(wc -l <"$LOG")
puts() { tail -n +$((n0 + 1)) "$LOG" | grep " PUT /projects/p1/tables/f1_log[?]uploadid=" | grep -c blockid; }
{
	head -c $part1 "$T/ch.mcr"
	wait_for " POST /projects/p1/tables/f1_log[?]uploads" "$LOG" 200
	tail -c +$((part1 + 1)) "$T/ch.mcr" | head -c $part2
	i=0
	while [ "$(puts)" -lt 2 ] && [ $i -lt 200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	puts >"$T/early"
	wc -l <"$LOG" >"$T/n1"
	tail -c +$((part1 + part2 + 1)) "$T/ch.mcr"
} | put f1 st1 $opts - >"$T/out" 2>&1
expect_eq "the load with its input held back: exit 0" "$?" "0"
early=$(cat "$T/early")
if [ "$early" -ge 2 ]; then
	ok "blocks were PUT while the input was still open ($early)"
else
	fail "blocks were PUT while the input was still open" "$early before its end"
fi
n1=$(cat "$T/n1")
ns=$(tail -n +$((n1 + 1)) "$LOG" | grep -c " POST /projects/p1/tables/f1_log[?]uploads")
expect_eq "no upload session made after the input's end: the one fed is committed" "$ns" "0"
rows f1_log >"$T/got"
expect_same "the table holds what the load with one connection holds" "$T/want" "$T/got"
expect_eq "nothing said on stderr" "$(cat "$T/out")" ""

# --- a rerun of the committed input: nothing twice ---
expect_ok "the same input again into the same state" put f1 st1 $opts "$T/ch.mcr"
rows f1_log >"$T/got"
expect_same "the rerun committed nothing twice" "$T/want" "$T/got"

# --- killed while it feeds, then rerun ---
mkfifo "$T/fifo"
n0=$(wc -l <"$LOG")
puts2() { tail -n +$((n0 + 1)) "$LOG" | grep " PUT /projects/p1/tables/f2_log[?]uploadid=" | grep -c blockid; }
mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/st2" --name=sbtest.sbtest1=f2 \
	$opts "$T/fifo" >"$T/kout" 2>&1 &
p=$!
exec 3>"$T/fifo"
head -c $part1 "$T/ch.mcr" >&3
wait_for " POST /projects/p1/tables/f2_log[?]uploads" "$LOG" 200
tail -c +$((part1 + 1)) "$T/ch.mcr" | head -c $part2 >&3
i=0
while [ "$(puts2)" -lt 2 ] && [ $i -lt 200 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ "$(puts2)" -ge 2 ] && ok "killed run: blocks were up when it was killed" ||
	fail "killed run: blocks were up when it was killed" "$(puts2)"
kill -9 "$p"
wait "$p" 2>/dev/null
expect_eq "killed run: SIGKILL while it fed" "$?" "137"
exec 3>&-
# (the sink commits the stream's first transaction alone: 16 rows)
nk=$($CLI sql "SELECT COUNT(*) FROM f2_log" 2>&1 | sed 1d)
[ "$nk" -lt 100 ] && ok "killed run: the commit it fed is not in the table ($nk rows)" ||
	fail "killed run: the commit it fed is not in the table" "$nk rows"
expect_ok "the rerun after the kill" put f2 st2 $opts "$T/ch.mcr"
rows f2_log >"$T/got"
expect_same "after the kill and the rerun: every row once" "$T/want" "$T/got"

# --- the session expires under the feed: a new session, every row once ---
n0=$(wc -l <"$LOG")
: >"$T/srv/faults.log"
# (the PUTs before the feed's first: the first transaction's block, and the
# state mirror's row of that commit)
faults "put expire skip=2 times=1"
put f3 st3 $opts "$T/ch.mcr" >"$T/out3" 2>&1
expect_eq "a session expired under the feed: exit 0" "$?" "0"
nofaults
expect_grep "the fault fired on a block of the fed session" "expire put PUT /projects/p1/tables/f3_log[?].*blockid=" "$T/srv/faults.log"
ns=$(tail -n +$((n0 + 1)) "$LOG" | grep -c " POST /projects/p1/tables/f3_log[?]uploads")
expect_eq "a new session replaced the expired one (the first transaction's, the fed one's, the new one)" "$ns" "3"
rows f3_log >"$T/got"
expect_same "a session expired under the feed: every row once" "$T/want" "$T/got"

# --- PUTs that fail and are retried while it feeds ---
faults "put 503 skip=1 times=3"
expect_ok "PUTs answered 503 three times while it feeds" put f4 st4 $opts "$T/ch.mcr"
nofaults
rows f4_log >"$T/got"
expect_same "PUTs retried while it feeds: every row once" "$T/want" "$T/got"

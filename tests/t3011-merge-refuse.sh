#!/bin/sh
# mc-merge refuses what it cannot merge exactly (issue 11): a --key that is
# not unique in the base, log partitions missing or damaged, --at beyond what
# is committed or before the base, conflicting options; and it leaves no
# temporaries after SIGTERM/SIGINT or a SIGKILL (also under --tmpdir).
. "$(dirname "$0")/lib.sh"

# A keyless table shop.t (k INT, v STRING): six snapshot rows on 2025-11-21,
# two per k; inserts stamped on 2025-11-22 (commit 2), -23 (3), -24 (4).
S='{"kind":"schema","db":"shop","table":"t","version":1,"pos":[1,4,0],"time":1763683200,"flags":0,"columns":[{"name":"k","mysql_type":"int","mc_type":"INT","nullable":false,"flags":0},{"name":"v","mysql_type":"varchar(10)","mc_type":"STRING","nullable":false,"flags":0}],"key":[]}'
row() { # op pos-offset time k
	echo '{"kind":"row","op":"'"$1"'","db":"shop","table":"t","version":1,"pos":[2,'"$2"',0],"time":'"$3"',"before":null,"after":['"$4"',"v'"$4"'"]}'
	echo '{"kind":"mark","mark":"txn_end","pos":[2,'"$(($2 + 50))"',0],"time":'"$3"',"db":"","table":"","label":""}'
}
{
	echo '{"mcr":1,"meta":{"writer":"test"}}'
	echo "$S"
	for i in 1 2 3 4 5 6; do
		echo '{"kind":"row","op":"snapshot","db":"shop","table":"t","version":1,"pos":[1,4,0],"time":1763683200,"before":null,"after":['$(((i + 1) / 2))',"v'$i'"]}'
	done
	echo '{"kind":"trailer","count":7}'
} | mc-cat --to=mcr >"$T/snap.mcr" || { fail "mc-cat snap" "failed"; exit 1; }
for d in 1:100:1763769600:7 2:200:1763856000:8 3:300:1763942400:9; do
	IFS=: read -r n o t k <<-X
	$d
	X
	{ echo '{"mcr":1,"meta":{"writer":"test"}}'; echo "$S"; row insert "$o" "$t" "$k"
	  echo '{"kind":"trailer","count":3}'; } | mc-cat --to=mcr >"$T/day$n.mcr" ||
		{ fail "mc-cat day$n" "failed"; exit 1; }
done
W=$T/w
mc-tunnel-put --dest="$W" "$T/snap.mcr" "$T/day1.mcr" "$T/day2.mcr" "$T/day3.mcr" 2>"$T/err" ||
	{ fail "mc-tunnel-put" "$(cat "$T/err")"; exit 1; }
TB=shop__t

# --- item 4: a --key that is not unique in the base ---
expect_code 1 "--key on a column not unique in the snapshot base exits 1" \
	mc-merge --warehouse="$W" --table=$TB --ds=20251122 --key=k
expect_grep "... naming the table, the key, a value and the rows" \
	"^mc-merge: table 'shop__t': the key \(k\) is not unique: \(1\) is in '[^']*/ds=20251121/part-000001.mcr.zst' record [0-9]+ and .* base partition 'ds=20251121'" "$T/err"
[ ! -e "$W/$TB/ds=20251122" ] && ok "... and writes no partition" || fail "no partition" "ds=20251122 exists"
expect_code 1 "... also with --memory=1M and --output" \
	mc-merge --warehouse="$W" --table=$TB --at=2:150:0 --key=k --memory=1M --output="$T/o.mcr"
expect_grep "... naming the key" "the key \(k\) is not unique" "$T/err"
[ ! -e "$T/o.mcr" ] && ok "... and leaves no --output file" || fail "no --output file" "o.mcr exists"
expect_ok "--key=k,v (unique) merges" mc-merge --warehouse="$W" --table=$TB --ds=20251122 --key=k,v
mc-cat --to=csv --table=shop.t "$W/$TB/ds=20251122/part-000000.mcr.zst" | tail -n +2 | sort >"$T/d2.csv"
printf '1,v1\n1,v2\n2,v3\n2,v4\n3,v5\n3,v6\n7,v7\n' >"$T/d2.want"
expect_same "... keeping all 7 rows" "$T/d2.want" "$T/d2.csv"
rm -rf "$W/$TB/ds=20251122"

# --- item 13: --at beyond what is committed, or before the base ---
expect_ok "--at the last committed position merges" \
	mc-merge --warehouse="$W" --table=$TB --key=k,v --at=2:350:0 --output="$T/at.mcr"
expect_code 1 "--at a position beyond what is committed exits 1" \
	mc-merge --warehouse="$W" --table=$TB --key=k,v --at=2:351:0 --output="$T/at.mcr"
expect_grep "... naming the committed position" "^mc-merge: --at=2:351:0 is beyond what the warehouse has committed \(2:350:0\)" "$T/err"
expect_code 1 "--at a time before the snapshot exits 1" \
	mc-merge --warehouse="$W" --table=$TB --key=k,v --at='2025-11-20 12:00:00' --output="$T/at.mcr"
expect_grep "... naming the snapshot's time" "before the base partition 'ds=20251121' \(its rows are stamped up to 2025-11-21 00:00:00\)" "$T/err"
expect_ok "--at the snapshot's own time merges" \
	mc-merge --warehouse="$W" --table=$TB --key=k,v --at='2025-11-21 00:00:00' --output="$T/at.mcr"

# --- item 18: options that contradict each other exit 2 ---
m() { mc-merge --warehouse="$W" --table=$TB --key=k,v "$@"; }
expect_code 2 "--ds with --at exits 2" m --ds=20251122 --at=2:350:0 --output="$T/o.mcr"
expect_grep "... saying why" "^mc-merge: --ds and --at exclude each other" "$T/err"
expect_grep "... with the Try line" "^Try 'mc-merge --help'" "$T/err"
expect_code 2 "--dialect without --emit-sql exits 2" m --ds=20251122 --dialect=sqlite
expect_grep "... saying why" "^mc-merge: --dialect goes with --emit-sql" "$T/err"
expect_code 2 "--emit-sql with --output exits 2" m --ds=20251122 --emit-sql --output="$T/o.mcr"
expect_code 2 "--emit-sql with --zstd exits 2" m --ds=20251122 --emit-sql --zstd=3
expect_code 2 "--emit-sql with --lifecycle exits 2" m --ds=20251122 --emit-sql --lifecycle=3
expect_grep "... saying why" "^mc-merge: --emit-sql writes no partition and no stream" "$T/err"
expect_code 2 "--lifecycle with --output exits 2" m --at=2:350:0 --output="$T/o.mcr" --lifecycle=3
expect_grep "... saying why" "^mc-merge: --lifecycle goes with a partition written" "$T/err"
[ ! -e "$T/o.mcr" ] && ok "nothing is written on a usage error" || fail "nothing written" "o.mcr exists"
expect_ok "--emit-sql --dialect=sqlite with --memory and --tmpdir still works" \
	m --ds=20251122 --emit-sql --dialect=sqlite --memory=8M --tmpdir="$T"
expect_code 2 "a --tmpdir that is not there: exit 2 at the start" \
	m --ds=20251122 --memory=8M --tmpdir="$T/none"
expect_grep "... naming it (not a log file read when the runs spill)" \
	"^mc-merge: --tmpdir '$T/none': No such file or directory$" "$T/err"

# --- item 17: temporaries after SIGTERM/SIGINT, and after a SIGKILL ---
"$BIN/tools/mcgen" sysbench 200000 >"$T/sb.mcr" && "$BIN/tools/mcgen" changes 200000 50000 >"$T/ch.mcr" &&
	mc-tunnel-put --dest="$T/s" "$T/sb.mcr" "$T/ch.mcr" 2>"$T/err" || { fail "sysbench warehouse" "failed"; exit 1; }
rm -f "$T/sb.mcr" "$T/ch.mcr"
SB=sbtest__sbtest1
AT=$(sed -n 's/^pos //p' "$T/s/_mcsync/ledger")
mkdir "$T/td"
mkfifo "$T/fifo"
exec 9<>"$T/fifo" # a reader that never reads: the merge blocks on its output
tmps() { find "$T/td" "$T/s/$SB" -name '.tmp-*' | sort; }
# a merge sorting the base into runs under --tmpdir, stopped while it
# writes (after its runs exist) by signal $1
stopped_merge() {
	timeout -k 5 60 mc-merge --warehouse="$T/s" --table=$SB --at="$AT" --memory=1M \
		--tmpdir="$T/td" --output="$T/fifo" 2>"$T/err" &
	pid=$!
	i=0
	while [ -z "$(find "$T/td" -name '.tmp-merge.*' -newer "$T/fifo" 2>/dev/null)" ] && [ $i -lt 300 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	sleep 0.3
	mpid=$(pgrep -P "$pid" mc-merge)
	kill -"$1" "$mpid"
	wait "$pid"
}
touch "$T/fifo"
stopped_merge TERM
expect_eq "SIGTERM: mc-merge dies of the signal" "$?" 143
expect_eq "... leaving no .tmp-* under --tmpdir or in the table" "$(tmps)" ""
touch "$T/fifo"
stopped_merge INT
expect_eq "SIGINT: mc-merge dies of the signal" "$?" 130
expect_eq "... leaving no .tmp-* either" "$(tmps)" ""
touch "$T/fifo"
stopped_merge KILL
expect_eq "SIGKILL: mc-merge dies" "$?" 137
[ -n "$(tmps)" ] && ok "... leaving its runs under --tmpdir" || fail "SIGKILL leaves runs" "none"
mkdir "$T/td/.tmp-merge.$SB.$$.live"
exec 9>&-
expect_ok "the next run under the same --tmpdir" \
	mc-merge --warehouse="$T/s" --table=$SB --ds=20251122 --memory=1M --tmpdir="$T/td"
expect_eq "... removes what the killed run left (only the live process's entry stays)" \
	"$(tmps)" "$T/td/.tmp-merge.$SB.$$.live"
rmdir "$T/td/.tmp-merge.$SB.$$.live"
# a partition being made in the table's directory, SIGTERM'ed
rm -rf "$T/s/$SB/ds=20251122"
mc-merge --warehouse="$T/s" --table=$SB --ds=20251122 --memory=1M 2>"$T/err" &
pid=$!
i=0
while [ -z "$(find "$T/s/$SB" -name '.tmp-ds=*')" ] && [ $i -lt 400 ]; do
	sleep 0.01
	i=$((i + 1))
done
kill -TERM $pid
wait $pid
expect_eq "SIGTERM while the partition is made: mc-merge dies of the signal" "$?" 143
expect_eq "... leaving no .tmp-* in the table's directory" "$(tmps)" ""

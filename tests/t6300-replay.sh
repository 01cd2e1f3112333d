#!/bin/sh
# pipelines/replay.sh: saved snapshot and change files replayed into a
# warehouse equal the direct pipeline (mc-tunnel-put, then mc-merge day by
# day) file for file, and the model's state of every day; mcr, JSON lines
# and zstd inputs alike; a rerun changes nothing; a corrupt file stops it
# with the file and offset named and the warehouse as it was; SIGKILL at
# random moments (also of --fresh) and a rerun give the same files.
# fsync is the cost here: use memory for the temporary warehouses when we may
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
	TMPDIR=/dev/shm
	export TMPDIR
fi
. "$(dirname "$0")/lib.sh"

R=$TOP/pipelines/replay.sh
H=$T/h
mkdir -p "$H"
# REPLAY_TABLES random table histories over three days (default 15, sized
# for CI; `make soak` runs 30): a chunked snapshot, its log
NT=${REPLAY_TABLES:-15}
"$BIN/tools/mchist" gen 7 "$NT" 30 "$H" || { fail "mchist gen" "failed"; exit 1; }
set -- $(cat "$H/days")
D1=$1 D2=$2 D3=$3
keys=$(awk '$2 != "-" {sub(/^--key=/, "", $2); printf " --key=%s:%s", $1, $2}' "$H/tables")


# --- conventions ---
expect_conventions pipelines/replay.sh "" "$H/log.mcr" sh "$R"
expect_code 2 "no FILE exits 2" sh "$R" --dest="$T/x"
expect_code 2 "a bad --ds exits 2" sh "$R" --dest="$T/x" --ds=2026-11-21 "$H/log.mcr"
expect_code 1 "a missing file exits 1" sh "$R" --dest="$T/x" "$T/nope.mcr"
expect_grep "... and names it" 'nope.mcr: no such file' "$T/err"
[ ! -e "$T/x" ] && ok "nothing is written on a usage or file error" || fail "nothing is written on errors" "$T/x exists"

# --- the direct pipeline, by hand ---
mc-tunnel-put --dest="$T/direct" "$H/snap.mcr" "$H/log.mcr" 2>"$T/err" ||
	{ fail "the direct pipeline loads" "mc-tunnel-put failed"; exit 1; }
bad=0
while read -r t k; do
	[ "$k" = - ] && k=
	for d in "$D2" "$D3"; do
		mc-merge --warehouse="$T/direct" --table="$t" --ds="$d" $k 2>>"$T/err" || bad=$((bad + 1))
	done
done <"$H/tables"
expect_eq "the direct pipeline merges every table and day" "$bad" 0
tree "$T/direct" >"$T/direct.tree"

# --- replay ---
expect_ok "replay of snapshot + change file" sh "$R" --dest="$T/w" $keys "$H/snap.mcr" "$H/log.mcr"
cp "$T/out" "$T/summary"
expect_grep "the summary names each table, its days and what was merged" \
	"^h__t00001 +$D1 +$D3 +[0-9]+ +$D2 $D3\$" "$T/summary"
tree "$T/w" >"$T/w.tree"
expect_same "replay equals the direct pipeline, file for file" "$T/direct.tree" "$T/w.tree"
: >"$T/got"
: >"$T/want"
while read -r t k; do
	for d in "$D2" "$D3"; do
		mc-cat --to=csv --with-op --table="h.${t#h__}" "$T/w/$t/ds=$d"/part-*.mcr.zst |
			tail -n +2 | sed "s/^/$t.$d,/" >>"$T/got"
		sed "s/^/$t.$d,/" "$H/expect/$t.$d.csv" >>"$T/want"
	done
done <"$H/tables"
sort "$T/got" -o "$T/got"
sort "$T/want" -o "$T/want"
expect_same "every merged day equals the model's state at the day's cut ($(wc -l <"$T/want") rows)" \
	"$T/want" "$T/got"

# --- rerun: nothing changes ---
expect_ok "a rerun exits 0" sh "$R" --dest="$T/w" $keys "$H/snap.mcr" "$H/log.mcr"
expect_grep "... and merges nothing" "^h__t00001 .* none\$" "$T/out"
tree "$T/w" >"$T/w2.tree"
expect_same "a rerun changes no file" "$T/w.tree" "$T/w2.tree"

# --- other forms of the same files: JSON lines, zstd ---
mc-cat --to=jsonl "$H/snap.mcr" >"$T/snap.jsonl"
mc-cat --to=mcr --zstd "$H/log.mcr" >"$T/log.mcr.zst"
expect_ok "replay of JSON lines + zstd" sh "$R" --dest="$T/wj" $keys "$T/snap.jsonl" "$T/log.mcr.zst"
tree "$T/wj" >"$T/wj.tree"
expect_same "... gives the same files" "$T/direct.tree" "$T/wj.tree"

# --- a change file that mc-binlog-tail made of a binlog fixture ---
G=$FIXTURES/binlog/generated-here-mariadb-10.11
mc-binlog-tail "$G/mariadb-bin.000001" "$G/mariadb-bin.000002" >"$T/bl.mcr" 2>"$T/err"
expect_eq "mc-binlog-tail decodes the fixture" "$?" 0
mc-tunnel-put --dest="$T/bl-direct" "$T/bl.mcr" 2>"$T/err"
expect_ok "replay of a decoded binlog (no base: loaded, not merged)" sh "$R" --dest="$T/bl-w" "$T/bl.mcr"
expect_grep "... the summary says it has no base" '^t__alltypes +- +- +- +none$' "$T/out"
tree "$T/bl-direct" >"$T/a.tree"
tree "$T/bl-w" >"$T/b.tree"
expect_same "... equals mc-tunnel-put of it" "$T/a.tree" "$T/b.tree"

# --- corrupt files: stop before writing, name the file and offset ---
size=$(wc -c <"$H/log.mcr")
head -c $((size / 2)) "$H/log.mcr" >"$T/cut.mcr"
cp "$H/log.mcr" "$T/bad.mcr"
printf '\301\301\301\301\301\301\301\301\301\301\301\301\301\301\301\301' |
	dd of="$T/bad.mcr" bs=1 seek=$((size / 3)) conv=notrunc 2>/dev/null
zsize=$(wc -c <"$T/log.mcr.zst")
head -c $((zsize / 2)) "$T/log.mcr.zst" >"$T/cut.mcr.zst"
for f in cut.mcr bad.mcr cut.mcr.zst; do
	expect_code 1 "$f: a corrupt file exits 1" sh "$R" --dest="$T/w" $keys "$H/snap.mcr" "$H/log.mcr" "$T/$f"
	expect_grep "$f: the message names the file and the offset" "$f'?: .*offset [0-9]+" "$T/err"
	tree "$T/w" >"$T/w3.tree"
	expect_same "$f: the warehouse is as it was" "$T/w.tree" "$T/w3.tree"
done
expect_code 1 "--fresh with a corrupt file exits 1" sh "$R" --fresh --dest="$T/w" "$H/snap.mcr" "$T/bad.mcr"
tree "$T/w" >"$T/w3.tree"
expect_same "... the warehouse is as it was" "$T/w.tree" "$T/w3.tree"
[ ! -e "$T/w.replay-new" ] && ok "... and no new warehouse is started" || fail "no new warehouse" "w.replay-new exists"

# --- SIGKILL at random moments, then a rerun ---
# the replay and everything it started are one process group (setsid)
killrun() { # DEST US OPTIONS...: start a replay, SIGKILL its group after US microseconds
	_d=$1 _us=$2
	shift 2
	setsid sh "$R" --dest="$_d" "$@" $keys "$H/snap.mcr" "$H/log.mcr" >/dev/null 2>&1 &
	_p=$!
	sleep "$(awk -v u="$_us" 'BEGIN {printf "%.6f", u / 1e6}')"
	kill -KILL -- -"$_p" 2>/dev/null
	wait "$_p" 2>/dev/null
}
# how long a whole replay takes here, to spread the kills over it
t0=$(date +%s%N)
sh "$R" --dest="$T/timing" $keys "$H/snap.mcr" "$H/log.mcr" >/dev/null 2>&1
span=$((($(date +%s%N) - t0) / 1000))
echo "# a replay takes $span us"
for i in 1 2 3; do
	us=$(awk -v s="$span" -v i=$i 'BEGIN {srand(); printf "%d", s * (i - 1 + rand()) / 3}')
	killrun "$T/k$i" "$us"
	expect_ok "kill $i (after $us us): a rerun exits 0" sh "$R" --dest="$T/k$i" $keys "$H/snap.mcr" "$H/log.mcr"
	tree "$T/k$i" >"$T/k.tree"
	expect_same "kill $i: ... and gives the same files" "$T/direct.tree" "$T/k.tree"
done

# --fresh: the old warehouse stays until the new one is complete
cp -R "$T/bl-w" "$T/f"
tree "$T/f" >"$T/f0.tree"
us=$(awk -v s="$span" 'BEGIN {srand(); printf "%d", s * (0.1 + 0.4 * rand())}')
killrun "$T/f" "$us" --fresh
tree "$T/f" >"$T/f1.tree"
if [ -d "$T/f.replay-new" ]; then
	expect_same "--fresh killed after $us us: the old warehouse is untouched" "$T/f0.tree" "$T/f1.tree"
else # it finished before the kill
	expect_same "--fresh finished before the kill at $us us: the new warehouse is in place" \
		"$T/direct.tree" "$T/f1.tree"
fi
expect_ok "--fresh rerun exits 0" sh "$R" --fresh --dest="$T/f" $keys "$H/snap.mcr" "$H/log.mcr"
tree "$T/f" >"$T/f2.tree"
expect_same "... and the warehouse is the replay's, file for file" "$T/direct.tree" "$T/f2.tree"
[ ! -e "$T/f.replay-new" ] && [ ! -e "$T/f.replay-old" ] && ok "... leaving no side directory" ||
	fail "--fresh leaves no side directory" "$(ls -d "$T"/f.replay-* 2>/dev/null)"

# --fresh killed inside the swap (the states a kill can leave, made by hand):
# DIR.replay-swap names the new warehouse; a rerun finishes the swap
swapstate() { # NAME: the rerun ends with the replay's warehouse alone
	expect_ok "$1: a --fresh rerun exits 0" sh "$R" --fresh --dest="$T/s" $keys "$H/snap.mcr" "$H/log.mcr"
	tree "$T/s" >"$T/s.tree"
	expect_same "$1: ... the warehouse is the replay's" "$T/direct.tree" "$T/s.tree"
	[ -z "$(ls -d "$T"/s.replay-* 2>/dev/null)" ] && ok "$1: ... no side directory left" ||
		fail "$1: no side directory left" "$(ls -d "$T"/s.replay-*)"
	rm -rf "$T/s" "$T"/s.replay-*
}
# after the exchange, before the old one was removed
cp -R "$T/w" "$T/s" && cp -R "$T/bl-w" "$T/s.replay-new"
stat -c %d:%i "$T/s" >"$T/s.replay-swap"
swapstate "killed after the exchange"
# between the two renames of a file system without exchange
cp -R "$T/bl-w" "$T/s.replay-old" && cp -R "$T/w" "$T/s.replay-new"
stat -c %d:%i "$T/s.replay-new" >"$T/s.replay-swap"
swapstate "killed between two renames"
# the marker written, nothing swapped yet
cp -R "$T/bl-w" "$T/s" && cp -R "$T/w" "$T/s.replay-new"
stat -c %d:%i "$T/s.replay-new" >"$T/s.replay-swap"
swapstate "killed before the swap"

#!/bin/sh
# mc-merge --at=TIME after --lifecycle dropped old partitions (docs/mc-merge.md
# "--lifecycle", docs/merge.md "The day cut"): the first change stamped
# after the time is looked for in the log there is, and --lifecycle drops
# the log below the oldest full partition it keeps. A time on a day whose
# log is gone cannot be told from a later one: exit 1 naming the log file
# that is gone, where before the merge took the first change after the
# time among the log left, chose the oldest full partition kept as the base
# and wrote a later day's state with exit 0. A time whose log is there
# still gives the state then; without --lifecycle every time does.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
sql "CREATE DATABASE d; CREATE DATABASE marks; CREATE TABLE marks.p (i INT PRIMARY KEY);
     CREATE TABLE d.u (id INT PRIMARY KEY, v INT); INSERT INTO d.u VALUES (1,1),(2,2)" ||
	{ fail "setup" "sql failed"; exit 1; }
mdb_snap_d
now=$(date +%s)
day() { date -u -d "@$((now + $1 * 86400))" +%Y%m%d; }
at() { echo "SET timestamp = $((now + $1 * 86400));"; }
state() { mc-snapshot $MDB_ARGS --databases=d 2>"$T/err" | mc-cat --to=csv --table=d.u | sort >"$T/state.$1"; }
for n in 1 2 3 4; do
	sql "$(at $n) INSERT INTO d.u VALUES ($((n + 10)), $n); UPDATE d.u SET v = v + 1 WHERE id = 1" &&
		state $n || { fail "setup" "day $n"; exit 1; }
done
sql "$(at 5) REPLACE INTO marks.p VALUES (1); FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
set -- $(mc-cat --to=summary "$T/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
first=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
mc-binlog-tail --schema="$T/snap.mcr" --from="$first:$2" "$MDB_DIR"/binlog/mysql-bin.[0-9]* \
	>"$T/changes.mcr" 2>"$T/err" || { fail "setup" "mc-binlog-tail: $(cat "$T/err")"; exit 1; }
expect_ok "the snapshot and the changes load" mc-tunnel-put --dest="$T/w" "$T/snap.mcr" "$T/changes.mcr"
cp -R "$T/w" "$T/keep"
for n in 1 2 3 4; do
	expect_ok "day $n: mc-merge --ds --lifecycle=2" mc-merge --warehouse="$T/w" --table=d__u --ds=$(day $n) --lifecycle=2
done
[ ! -e "$T/w/d__u/ds=$(day 2)" ] && [ ! -e "$T/w/d__u_log/ds=$(day 2)" ] &&
	ok "--lifecycle=2 dropped day 2's partition and log" || fail "--lifecycle=2 dropped day 2" "$(ls "$T/w/d__u" "$T/w/d__u_log")"
hour() { date -u -d "@$((now + $1 * 86400 + 3600))" '+%Y-%m-%d %H:%M:%S'; }
for n in 1 2; do
	expect_code 1 "--at a time of day $n, whose log is gone: refused" \
		mc-merge --warehouse="$T/w" --table=d__u --at="$(hour $n)" --output="$T/o.mcr"
	expect_grep "day $n: the message names the log gone and the base" \
		"d__u_log/ds=[0-9]*/part-[0-9]*.mcr.zst' is gone \\(commit [0-9]+ wrote .*dropped by --lifecycle, or by hand\\), and the base partition 'ds=$(day 3)'" "$T/err"
	[ -e "$T/o.mcr" ] && fail "day $n: no output" "$T/o.mcr written" || ok "day $n: no output"
done
expect_ok "--at a time of day 4 (its log is there)" \
	mc-merge --warehouse="$T/w" --table=d__u --at="$(hour 4)" --output="$T/o.mcr"
mc-cat --to=csv --table=d.u "$T/o.mcr" | sort >"$T/got"
expect_same "day 4: the state then" "$T/got" "$T/state.4"
for n in 1 2 3 4; do
	rm -f "$T/o.mcr"
	expect_ok "without --lifecycle: --at a time of day $n" \
		mc-merge --warehouse="$T/keep" --table=d__u --at="$(hour $n)" --output="$T/o.mcr"
	mc-cat --to=csv --table=d.u "$T/o.mcr" | sort >"$T/got"
	expect_same "without --lifecycle: day $n: the state then" "$T/got" "$T/state.$n"
done

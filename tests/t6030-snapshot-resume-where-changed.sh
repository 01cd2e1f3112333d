#!/bin/sh
# A rerun of mc-snapshot from its checkpoint under another condition than
# the chain was read under (--where changed, added or removed; the rules'
# full_load where changed): the rerun read the rest of the table under the
# new condition, so the chain held rows of both (rows of the old condition
# kept, rows of the new one missing in the finished part), exit 0. The
# checkpoint now records each chain's condition (where.table.DB.T, empty
# for none) and a rerun under another is refused, exit 1, naming both and
# the way out; the same for a table done under another condition, which the
# rerun would skip and so keep the old condition's rows. A checkpoint
# without the line (an older mc-snapshot's) resumes as before, with a
# warning when there is a condition now.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE p; USE p;
CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v INT NOT NULL);
INSERT INTO t SELECT seq, seq % 7 FROM seq_1_to_3000;
CREATE TABLE u (id INT NOT NULL PRIMARY KEY);
INSERT INTO u SELECT seq FROM seq_1_to_50;" || fail "the tables" "sql failed"
snap() { mc-snapshot $MDB_ARGS --databases=p --threads=1 --chunk-rows=100 --checkpoint="$T/ck" "$@"; }
# first ARGS...: a slow run killed once p.t's checkpoint names a finished chunk
first() {
	rm -f "$T/ck"
	mc-snapshot $MDB_ARGS --databases=p --threads=1 --chunk-rows=100 --checkpoint="$T/ck" \
		--max-rate=1500 "$@" >"$T/one.mcr" 2>"$T/one.err" &
	pid=$!
	wait_for '^table\.p\.t after' "$T/ck" 50 || fail "the first run's chunks" "no checkpoint"
	kill -KILL $pid
	wait $pid 2>/dev/null
	cp "$T/ck" "$T/ck.first"
}
# ids FILE: p.t's ids in the stream FILE, sorted
ids() { mc-cat --to=csv --table=p.t "$1" 2>/dev/null | sed 1d | cut -d, -f1 | sort -n; }

first --where='p.t:v <> 3'
expect_grep "the checkpoint records the chain's condition" '^where\.table\.p\.t v <> 3$' "$T/ck"
expect_code 1 "a rerun under another --where: exit 1" snap --where='p.t:v <> 4'
expect_grep "... naming both conditions and the way out" \
	"^mc-snapshot: '$T/ck': table 'p.t': the checkpoint's chain was read under the condition \(v <> 3\), but this run's is \(v <> 4\) .*give the recorded condition, or .*remove the lines 'table.p.t', 'where.table.p.t' and 'split.table.p.t' from the checkpoint" "$T/err"
expect_eq "... nothing written" "$(wc -c <"$T/out")" 0
expect_eq "... the checkpoint unchanged" "$(cksum <"$T/ck")" "$(cksum <"$T/ck.first")"
expect_code 1 "a rerun without the --where: exit 1" snap
expect_grep "... (none now)" "read under the condition \(v <> 3\), but this run's is \(none\)" "$T/err"
expect_ok "the rerun under the recorded condition" snap --where='p.t:v <> 3'
ids "$T/out" >"$T/two.ids"
expect_eq "... its rows all hold it" "$(mc-cat --to=csv --table=p.t "$T/out" | sed 1d | grep -c ',3$')" 0
expect_grep "... the table done, its condition kept" '^where\.table\.p\.t v <> 3$' "$T/ck"
expect_code 1 "a rerun of the done table under another condition: exit 1" snap --where='p.t:v > 0'
expect_grep "... not skipped as done under the old one" "read under the condition \(v <> 3\), but this run's is \(v > 0\)" "$T/err"

# no condition first, one added on the rerun; the other table untouched
first
expect_grep "no condition: an empty line" '^where\.table\.p\.t $' "$T/ck"
expect_code 1 "a --where added on the rerun: exit 1" snap --where='p.t:id > 5'
expect_grep "... naming it" "read under the condition \(none\), but this run's is \(id > 5\)" "$T/err"
expect_ok "a --where on the other table only" snap --where='p.u:id > 5'
expect_eq "... p.t whole: the killed run's and the rerun's chunks hold every id" \
	"$( (ids "$T/one.mcr"; ids "$T/out") | sort -un | wc -l)" 3000

# the rules' full_load where, changed between the runs
printf 'full_load:\n  - table: t\n    where: "v < 5"\n' >"$T/r1.yaml"
printf 'full_load:\n  - table: t\n    where: "v < 6"\n' >"$T/r2.yaml"
first --rules="$T/r1.yaml"
expect_grep "the rules' condition recorded" '^where\.table\.p\.t v < 5$' "$T/ck"
expect_code 1 "a rerun with another full_load where: exit 1" snap --rules="$T/r2.yaml"
expect_grep "... naming both" "read under the condition \(v < 5\), but this run's is \(v < 6\)" "$T/err"
expect_ok "the same condition by --where instead of the rules" snap --where='p.t:v < 5'

# a checkpoint of an older mc-snapshot (no where line): as before, warned
first --where='p.t:v <> 3'
grep -v '^where\.' "$T/ck.first" >"$T/ck"
expect_ok "a checkpoint without the condition's line resumes" snap --where='p.t:v <> 3'
expect_grep "... with a warning that it cannot tell the condition" \
	"^mc-snapshot: .*'$T/ck': table 'p.t': the checkpoint does not say under which condition its chain was read .*taking it as \(v <> 3\)" "$T/err"
grep -v '^where\.' "$T/ck.first" >"$T/ck"
expect_ok "... and without a condition now, no warning" snap
expect_eq "... (none)" "$(grep -c 'does not say under which condition' "$T/err")" 0

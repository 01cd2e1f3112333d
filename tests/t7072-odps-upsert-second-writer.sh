#!/bin/sh
# mc-tunnel-put --mode=upsert: a second state directory for the same source
# table into the PK table another one committed rows of it into is refused
# before anything of its first commit is made (exit 1, naming the table, the
# other writer and the way out): it upserted over the first state's keys,
# exit 0. The claim in the state mirror answers (docs/maxcompute.md "One
# state directory per source table"): a state killed before its first
# commit's sessions were committed does not own the table (and its rerun is
# refused once another took it); the same state's rerun after SIGKILL in
# each window of its first commit carries on exactly; other source tables
# from other states are refused, unless they come through mc-transform's
# merge rules (shards).
. "$(dirname "$0")/lib.sh"
need python3 curl
. "$TOP/tests/t7051-odps-upsert.lib"

"$BIN/tools/mcgen" changes 300 400 >"$T/ch.mcr" || { fail "mcgen" "failed"; exit 1; }
mc-cat "$T/ch.mcr" >"$T/ch.jsonl"
N=--name=sbtest.sbtest1
wr() { sed -n 's/^writer //p' "$T/$1/_mcsync/upsert-owner"; }
sessions() { curl -s "http://127.0.0.1:$ODPS_PORT/_mcsync/upserts" | grep -o '"status"' | wc -l; }
# killed STATE RULE ARGS...: killed once the server has done the request of RULE
killed() {
	_s=$1 _r=$2
	shift 2
	: >"$T/srv/faults.log"
	faults "$_r"
	put_ "$_s" "$@" >/dev/null 2>"$T/kill.err" &
	_p=$!
	if wait_for "slow" "$T/srv/faults.log" 100; then
		kill -9 "$_p"
		wait "$_p" 2>/dev/null
		nofaults
		return 0
	fi
	kill -9 "$_p" 2>/dev/null
	wait "$_p" 2>/dev/null
	nofaults
	fail "$_r" "the fault did not fire: $(head -c 300 "$T/kill.err")"
	return 1
}

# a state killed after its first commit was decided, before its session's
# commit: it does not own the table, and its rerun is refused once another took it
killed k "uget slow=30 skip=0" $N=t1 --commit-rows=60 "$T/ch.mcr"
expect_grep "a first state killed in its first commit: decided" "^phase commit" "$T/k/_mcsync/upsert-journal"
expect_eq "... nothing in the table" "$($CLI sql "SELECT COUNT(*) FROM t1" 2>&1 | sed 1d)" "0"
expect_ok "a fresh state directory writes the table" put a $N=t1 --commit-rows=60 "$T/ch.mcr"
final t1 "$T/ch.jsonl" "... which equals the source"
wa=$(wr a)
expect_code 1 "the killed state's rerun is refused: another state took the table" \
	put k $N=t1 --commit-rows=60 "$T/ch.mcr"
expect_grep "... naming it" "table 'p1.t1' holds rows of sbtest.sbtest1 committed by another state directory .writer $wa, commit 1.; this --state is writer $(wr k)" "$T/err"
final t1 "$T/ch.jsonl" "... the table as it was"

# a second, fresh state directory: refused before any session
n0=$(sessions)
expect_code 1 "a second state directory with the same input is refused" put b $N=t1 --commit-rows=60 "$T/ch.mcr"
expect_grep "... naming the table, the source and the writer" \
	"MaxCompute table 'p1.t1' holds rows of sbtest.sbtest1 committed by another state directory .writer $wa, commit [0-9]*.; this --state is writer $(wr b)" "$T/err"
expect_grep "... and the way out" "give the --state of writer $wa, or write this source under another --name, table or project" "$T/err"
expect_eq "... no upsert session made" "$(sessions)" "$n0"
expect_eq "... one line" "$(wc -l <"$T/err")" "1"
expect_code 1 "... and again on its rerun" put b $N=t1 --commit-rows=60 "$T/ch.mcr"
final t1 "$T/ch.jsonl" "... the table as the first state left it"

# the same state killed in each window of its first commit, rerun: exact, and it owns
# the table (a second state refused after it)
w=0
for rule in "ucreate slow=30 skip=0" "commit slow=30 skip=0" "uget slow=30 skip=0" \
	"ucommit slow=30 skip=0"; do
	w=$((w + 1))
	killed c$w "$rule" $N=t2$w --commit-rows=60 "$T/ch.mcr" || continue
	expect_ok "killed at '$rule' in the first commit: the rerun" put c$w $N=t2$w --commit-rows=60 "$T/ch.mcr"
	final t2$w "$T/ch.jsonl" "... the table equals the source"
	expect_code 1 "... then a second state is refused" put d$w $N=t2$w "$T/ch.mcr"
	expect_grep "... naming the first" "table 'p1.t2$w' holds rows of sbtest.sbtest1 committed by another state directory .writer $(wr c$w)," "$T/err"
done
# killed before the claim: the rerun's own first commit claims; a state
# killed before its first commit (here: creating its session) owns nothing
killed e "ucreate slow=30 skip=0" $N=t3 "$T/ch.mcr"
expect_ok "a state killed before its first commit does not lock the table" put f $N=t3 "$T/ch.mcr"
final t3 "$T/ch.jsonl" "... the other writes it"

# other source tables into one PK table from other states: refused (they
# replaced and deleted each other's rows of one key, exit 0: found by a
# tester), unless both come through mc-transform's merge rules (shards)
sed 's/"sbtest1"/"sbtest2"/' "$T/ch.jsonl" | mc-cat --to=mcr >"$T/ch2.mcr"
expect_ok "a source table into a new table" put g --name=sbtest.sbtest1=shared "$T/ch.mcr"
expect_code 1 "another source table into it, from another state, is refused" \
	put h --name=sbtest.sbtest2=shared "$T/ch2.mcr"
expect_grep "... naming both sources" "MaxCompute table 'p1.shared' holds rows of sbtest.sbtest1 written by another state directory .writer $(wr g).; this --state writes sbtest.sbtest2 into it" "$T/err"
cat >"$T/m.yaml" <<'YAML'
merge:
  - into: merged
    tables: [{db: sbtest, table: sbtest1}, {db: sbtest, table: sbtest2}]
    shard_column: src
YAML
mc-transform --rules="$T/m.yaml" "$T/ch.mcr" >"$T/m1.mcr" &&
	mc-transform --rules="$T/m.yaml" "$T/ch2.mcr" >"$T/m2.mcr" || { fail "setup" "mc-transform"; exit 1; }
expect_ok "shards through the merge rules: the first, from one state" put m1 "$T/m1.mcr"
expect_ok "... the second, from another state, is taken" put m2 "$T/m2.mcr"
expect_code 1 "the first source again from a third state is refused" \
	put i --name=sbtest.sbtest1=shared "$T/ch.mcr"
expect_grep "... naming its writer" "table 'p1.shared' holds rows of sbtest.sbtest1 committed by another state directory .writer $(wr g)," "$T/err"
expect_ok "the first state carries on (its own table)" put g --name=sbtest.sbtest1=shared "$T/ch.mcr"

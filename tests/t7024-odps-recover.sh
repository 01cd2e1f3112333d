#!/bin/sh
# mc-tunnel-put --recover: a lost --state directory of --dest=odps:// is
# rebuilt from the project's state mirror (docs/maxcompute.md "Recovering a
# lost state directory"). mc-tunnel-put is killed (SIGKILL) in each window
# of a commit (before the mirror's commit, between it and the data
# commits, between data commits, after them before the ledger), the state
# directory removed, --recover run, the same input given again: every row
# is in MaxCompute once (read back through the server's SQL). Also: a
# directory lost after a clean end; a project without a mirror (exit 1); a
# directory that has a ledger (exit 2); several writers; mc-merge after
# --recover writes the same partition as before.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"

need python3
need sqlite3
ODPS_PROJECT=p1,p2 odps_srv

"$BIN/tools/mcgen" sysbench 3000 >"$T/sb.mcr" || { fail "mcgen" "failed"; exit 1; }
"$BIN/tools/mcgen" changes 3000 600 >"$T/ch.mcr" || { fail "mcgen" "failed"; exit 1; }
"$BIN/tools/mchist" csv X base "$T/sb.mcr" | sed 's/,X$//' | tr -d '"' | sort >"$T/want.base"
"$BIN/tools/mchist" csv X log "$T/ch.mcr" | sed 's/,X$//' | tr -d '"' | sort >"$T/want.log"
got() { # TABLE SUFFIX -> $T/got.SUFFIX
	$CLI sql "SELECT * FROM $1" 2>"$T/sql.err" | sed 1d | sed 's/,[0-9]*$//' | sort >"$T/got.$2"
}
check() { # NAME DESC
	got "$1" base
	got "$1_log" log
	if cmp -s "$T/want.base" "$T/got.base" && cmp -s "$T/want.log" "$T/got.log"; then
		ok "$2"
	else
		fail "$2" "base $(wc -l <"$T/got.base")/$(wc -l <"$T/want.base") rows, log $(wc -l <"$T/got.log")/$(wc -l <"$T/want.log") rows"
	fi
}
ARGS="--block-size=30000 --commit-rows=5000"
rec() { # STATE [WRITER]
	mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/$1" \
		--retry-time=0.2 --retry-delay=0.05 --recover${2:+=$2}
}
writer() { sed -n 's/^writer //p' "$T/$1/_mcsync/odps"; }

# --- refusals ---
expect_code 2 "--recover without --state exits 2" \
	mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --recover
expect_code 2 "--recover with input files exits 2" \
	mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/x" --recover "$T/sb.mcr"
expect_code 1 "--recover on a project without a state mirror exits 1" \
	mc-tunnel-put --dest=odps://p2 --odps-config="$ODPS_CONF" --state="$T/x" --retry-time=0.2 --retry-delay=0.05 --recover
expect_grep "it says there is no state mirror" "has no state mirror rows" "$T/err"

# --- a directory lost after a clean end ---
expect_ok "a clean load" put c1 sc1 $ARGS "$T/sb.mcr" "$T/ch.mcr"
check c1 "the clean load: every row once"
expect_code 2 "--recover into a directory with a ledger exits 2" rec sc1
expect_grep "it names the ledger" "sc1/_mcsync/ledger' exists" "$T/err"
cp -r "$T/sc1" "$T/sc1.was"
rm -rf "$T/sc1"
expect_ok "--recover after a clean end" rec sc1 "$(writer sc1.was)"
expect_same "the ledger is the one lost" "$T/sc1.was/_mcsync/ledger" "$T/sc1/_mcsync/ledger"
expect_same "the state file is the one lost" "$T/sc1.was/_mcsync/odps" "$T/sc1/_mcsync/odps"
[ ! -e "$T/sc1/_mcsync/odps-journal" ] && ok "no commit is left in doubt" ||
	fail "no commit is left in doubt" "$(cat "$T/sc1/_mcsync/odps-journal")"
expect_ok "the same input again" put c1 sc1 $ARGS "$T/sb.mcr" "$T/ch.mcr"
check c1 "after --recover and the rerun: every row once"

# --- mc-merge's records come back: the same partition as before ---
cp "$T/sc1/_mcsync/ledger" "$T/sc1/ledger"
D=$(sed -n 's/^cut\.\([0-9]*\) .*/\1/p' "$T/sc1/ledger" | sed -n 2p)
if [ -z "$D" ]; then
	fail "mc-merge" "the ledger has no second day cut"
else
	M="mc-merge --dest=odps://p1 --odps-config=$ODPS_CONF --state=$T/sc1 --table=c1 --retry-time=0.2 --retry-delay=0.05"
	D1=$(sed -n 's/^cut\.\([0-9]*\) .*/\1/p' "$T/sc1/ledger" | sed -n 1p)
	expect_ok "mc-merge of the first day" $M --ds="$D1"
	expect_ok "mc-merge of the second day (on the first's partition)" $M --ds="$D"
	sqlite3 "$T/srv/p1.db" "SELECT * FROM c1 WHERE ds='$D'" | sort >"$T/merged.1"
	cp "$T/sc1/merge.c1" "$T/merge.was"
	rm -rf "$T/sc1"
	expect_ok "--recover restores the merge record" rec sc1 "$(writer sc1.was)"
	expect_same "merge.c1 is the one lost" "$T/merge.was" "$T/sc1/merge.c1"
	cp "$T/sc1/_mcsync/ledger" "$T/sc1/ledger"
	expect_ok "mc-merge of the second day after --recover" $M --ds="$D"
	sqlite3 "$T/srv/p1.db" "SELECT * FROM c1 WHERE ds='$D'" | sort >"$T/merged.2"
	[ -s "$T/merged.1" ] && expect_same "the same partition as before" "$T/merged.1" "$T/merged.2" ||
		fail "the same partition as before" "the merge wrote nothing"
fi

# --- every window of a commit, killed, the directory lost ---
# The server does the request of the rule, then answers it 30 s late: the
# program is killed while it waits, with the request done. A commit is:
# the data sessions created and PUT, the journal, the mirror's session
# (create, PUT, commit), the data sessions' commits, the ledger.
window() { # NAME RULE DESC
	: >"$T/srv/faults.log"
	faults "$2"
	put_ "$1" "s$1" $ARGS "$T/sb.mcr" "$T/ch.mcr" >/dev/null 2>"$T/kill.err" &
	_p=$!
	if wait_for "slow" "$T/srv/faults.log" 100; then
		kill -9 "$_p"
		wait "$_p" 2>/dev/null
		nofaults
		_w=$(writer "s$1")
		rm -rf "$T/s$1"
		if ! rec "s$1" "$_w" >"$T/out" 2>"$T/err"; then
			fail "$3" "--recover failed: $(cat "$T/err")"
			return
		fi
		cp "$T/out" "$T/rec.$1"
		put "$1" "s$1" $ARGS "$T/sb.mcr" "$T/ch.mcr" >"$T/out" 2>"$T/err" ||
			fail "$3" "the rerun failed: $(cat "$T/err")"
		check "$1" "$3"
	else
		kill -9 "$_p" 2>/dev/null
		wait "$_p" 2>/dev/null
		nofaults
		fail "$3" "the fault did not fire"
	fi
}
# The input makes three commits: 1 the base table (21 blocks), 2 one log
# partition, 3 three log partitions; each has its mirror session (created
# after the commit's data sessions, committed before them).
window w1 "create slow=30 skip=4" "killed after a data session of commit 3 is made: every row once"
window w2 "put slow=30 skip=25" "killed between PUTs: every row once"
window w3 "create slow=30 skip=7" "killed with the mirror's session made, before its PUT: every row once"
window w4 "put slow=30 skip=33" "killed with the mirror's block PUT, before its commit: every row once"
window w5 "commit slow=30 skip=4" "killed after the mirror's commit, before the data commits: every row once"
window w6 "commit slow=30 skip=5" "killed after the first data commit: every row once"
window w7 "commit slow=30 skip=6" "killed between data commits: every row once"
window w8 "commit slow=30 skip=7" "killed after the data commits, before the ledger: every row once"
window w9 "status slow=30 skip=6" "killed between a status check and its commit: every row once"
window w10 "commit slow=30 skip=2" "killed after the mirror's commit of commit 2: every row once"

# killed before the first commit's mirror session: the mirror has nothing
# of that state, and nothing of it is in MaxCompute
: >"$T/srv/faults.log"
faults "put slow=30 skip=21"
put_ w0 sw0 $ARGS "$T/sb.mcr" "$T/ch.mcr" >/dev/null 2>&1 &
p=$!
wait_for "slow" "$T/srv/faults.log" 100 && kill -9 "$p"
wait "$p" 2>/dev/null
nofaults
w0=$(writer sw0)
rm -rf "$T/sw0"
expect_code 1 "--recover of a state that committed nothing exits 1" rec sw0 "$w0"
expect_grep "it says the mirror has no rows of it" "has no rows of writer '$w0'" "$T/err"
expect_ok "the input again into an empty directory" put w0 sw0 $ARGS "$T/sb.mcr" "$T/ch.mcr"
check w0 "killed before the first mirror commit: every row once"

expect_code 1 "several writers in the mirror and none given: exit 1" rec sx
expect_grep "it names the writers and --recover=WRITER" "give --recover=WRITER" "$T/err"
grep -h "in doubt" "$T"/rec.w* >/dev/null && ok "some windows left a commit in doubt, resolved by counting" ||
	fail "some windows left a commit in doubt, resolved by counting" "$(cat "$T"/rec.w*)"
grep -h ": in (" "$T"/rec.w* >/dev/null && grep -h ": out (" "$T"/rec.w* >/dev/null &&
	ok "partitions were found both in and out" ||
	fail "partitions were found both in and out" "$(cat "$T"/rec.w*)"

# the secret is in no file mcsync wrote and no message
key=$(sed -n 's/^access_key=//p' "$ODPS_CONF")
if grep -rqF "$key" "$T"/s* "$T/err" "$T/out" "$T"/rec.* 2>/dev/null; then
	fail "the secret is in no state file or message" "found"
else
	ok "the secret is in no state file or message"
fi

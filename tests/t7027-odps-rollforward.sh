#!/bin/sh
# mc-tunnel-put --dest=odps://: a commit left in doubt is rolled forward on
# the rerun, before any input is read, from its journal and its spool
# (docs/maxcompute.md "Exactly once"): SIGKILL in each window of a commit
# (a session created, between PUTs, after the journal, after the decision,
# between the status
# check and the commit, between the commits of two partitions, after the
# commits before the ledger), then a rerun whose input DIFFERS (the same
# positions, other rows: what a live source reads again). The commit in
# doubt is finished as the killed run built it, the rerun's rows of it are
# dropped as committed, its later rows go up: the log read back through SQL
# is the first input up to the commit's position and the second after it,
# each row once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"

need python3
odps_srv

"$BIN/tools/mcgen" sysbench 1000 >"$T/sb.mcr" || { fail "mcgen" "failed"; exit 1; }
# two sources of the same changes: the same positions, other rows
"$BIN/tools/mcgen" changes 1000 600 1 >"$T/chA.mcr" || { fail "mcgen" "failed"; exit 1; }
"$BIN/tools/mcgen" changes 1000 600 2 >"$T/chB.mcr" || { fail "mcgen" "failed"; exit 1; }
cmp -s "$T/chA.mcr" "$T/chB.mcr" && { fail "the two inputs differ" "they do not"; exit 1; }
"$BIN/tools/mchist" csv X base "$T/sb.mcr" | sed 's/,X$//' | tr -d '"' | sort >"$T/want.base"
"$BIN/tools/mchist" csv X log "$T/chA.mcr" | sed 's/,X$//' | tr -d '"' >"$T/A.log"
"$BIN/tools/mchist" csv X log "$T/chB.mcr" | sed 's/,X$//' | tr -d '"' >"$T/B.log"

put_() { # NAME INPUT ARGS... (exec: $! of "put_ ... &" is the program's pid)
	_n=$1 _i=$2
	shift 2
	exec mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/s$_n" \
		--name=sbtest.sbtest1="$_n" --retry-time=0.2 --retry-delay=0.05 --commit-rows=150 --block-size=8000 \
		--checkpoint-out="$T/ck$_n" "$@" "$_i"
}
put() { (put_ "$@"); }
got() { # TABLE SUFFIX -> $T/got.SUFFIX
	$CLI sql "SELECT * FROM $1" 2>"$T/sql.err" | sed 1d | sed 's/,[0-9]*$//' | sort >"$T/got.$2"
}
# the log expected: A's rows at or below position $1 (F:O:R), B's above
want_log() {
	awk -F, -v p="$1" 'BEGIN { split(p, q, ":") }
		function le(f, o, r) { return f < q[1] || (f == q[1] && (o < q[2] || (o == q[2] && r <= q[3]))) }
		FILENAME == ARGV[1] && le($(NF-2), $(NF-1), $NF) { print }
		FILENAME == ARGV[2] && !le($(NF-2), $(NF-1), $NF) { print }' "$T/A.log" "$T/B.log" | sort
}

# The changes go up in commits of 150 rows; the third commit of the
# changes holds two partitions (ds=20251121 and ds=20251122). Its requests,
# after the two commits before it (each: a session, its PUTs, the state
# mirror's session, PUT, status, commit, then the data's status and
# commit): create #5 (ds=21), PUTs #11-12, create #6 (ds=22), PUTs, the
# mirror's create #7 (after the journal), status and commit #5 (then the
# journal again, with the ledger after the commit: decided), then status
# #6 and commit #6 (ds=21), status #7 and commit #7 (ds=22). The server
# answers the fault's request SLOW seconds late, after doing it: the
# program is killed while it waits, with the request done.
# window NAME RULE JOURNAL(yes|no) DESC [RERUN-RULE]
window() {
	put "$1" "$T/sb.mcr" >/dev/null 2>"$T/err" || { fail "$4" "the snapshot: $(cat "$T/err")"; return; }
	: >"$T/srv/faults.log"
	faults "$2"
	put_ "$1" "$T/chA.mcr" >/dev/null 2>"$T/kill.err" &
	_p=$!
	if ! wait_for "slow" "$T/srv/faults.log" 150; then
		kill -9 "$_p" 2>/dev/null
		wait "$_p" 2>/dev/null
		nofaults
		fail "$4" "the fault did not fire: $(tail -2 "$T/kill.err")"
		return
	fi
	kill -9 "$_p"
	wait "$_p" 2>/dev/null
	nofaults
	_j=$T/s$1/_mcsync/odps-journal
	if [ "$3" = yes ]; then
		[ -f "$_j" ] && grep -q '^p\.1\.table ' "$_j" ||
			{ fail "$4" "no journal of two partitions: $(ls "$T/s$1/_mcsync" | tr '\n' ' ')"; return; }
		grep -q '^after 1$' "$_j" && [ "$(ls "$T/s$1/_mcsync/spool" 2>/dev/null | wc -l)" = 2 ] ||
			fail "$4: the journal has the ledger after the commit, and the spool its two partitions" \
				"$(ls "$T/s$1/_mcsync/spool" 2>&1 | tr '\n' ' ')"
		_pos=$(sed -n 's/^after\.l\.pos //p' "$_j")
	elif [ "$3" = undecided ]; then
		[ -f "$_j" ] && grep -q '^p\.1\.table ' "$_j" && ! grep -q '^after ' "$_j" ||
			{ fail "$4" "no journal of the commit before its decision: $(ls "$T/s$1/_mcsync" | tr '\n' ' ')"; return; }
		_pos=$(sed -n 's/^pos //p' "$T/s$1/_mcsync/ledger")
	else
		[ ! -f "$_j" ] || { fail "$4" "a journal: $(head -3 "$_j" | tr '\n' ' ')"; return; }
		_pos=$(sed -n 's/^pos //p' "$T/s$1/_mcsync/ledger")
	fi
	if [ -n "${6:-}" ] && [ -f "$T/ck$1" ]; then
		# the checkpoint: written once the commit was decided
		[ "$(sed -n 's/^pos //p' "$T/ck$1")" = "$_pos" ] ||
			{ fail "$4" "the checkpoint is at $(sed -n 's/^pos //p' "$T/ck$1"), not $_pos"; return; }
	fi
	[ -n "${5:-}" ] && faults "$5"
	# other rows, cut into commits elsewhere (a tail whose transactions differ)
	if ! put "$1" "$T/chB.mcr" --commit-rows=110 >"$T/out" 2>"$T/err"; then
		nofaults
		fail "$4" "the rerun failed: $(cat "$T/err")"
		return
	fi
	nofaults
	if [ "$3" = undecided ] && ! grep -q "was not decided: its upload sessions are dropped, the input gives it again" "$T/err"; then
		fail "$4" "the rerun did not drop the commit's sessions: $(cat "$T/err")"
		return
	fi
	if [ "$3" = yes ] && ! grep -q "was decided and not finished.*finishing it from the journal and the spool before reading the input" "$T/err"; then
		fail "$4" "the rerun did not roll the commit forward: $(cat "$T/err")"
		return
	fi
	want_log "$_pos" >"$T/want.log"
	got "$1" base
	got "$1_log" log
	if ! cmp -s "$T/want.base" "$T/got.base" || ! cmp -s "$T/want.log" "$T/got.log"; then
		fail "$4" "base $(wc -l <"$T/got.base")/$(wc -l <"$T/want.base") rows, log $(wc -l <"$T/got.log")/$(wc -l <"$T/want.log") rows ($(diff "$T/want.log" "$T/got.log" | head -c 300))"
		return
	fi
	[ ! -e "$T/s$1/_mcsync/odps-journal" ] && [ ! -e "$T/s$1/_mcsync/spool" ] ||
		{ fail "$4" "the journal or the spool is left"; return; }
	ok "$4"
}
window w1 "create slow=30 skip=4" no "killed with a session created (no PUT): the rerun's rows go up"
window w2 "put slow=30 skip=11" no "killed between PUTs: the rerun's rows go up"
window w3 "create slow=30 skip=6" undecided "killed after the journal, at the state mirror's row (not decided): the sessions dropped, the rerun's rows go up"
window w3b "commit slow=30 skip=4" undecided "killed at the state mirror's commit (its row in, the commit not decided yet): the sessions dropped, the rerun's rows go up"
window w4 "status slow=30 skip=5" yes "killed between the status check and the commit: rolled forward" "" ck
window w5 "commit slow=30 skip=5" yes "killed between the commits of two partitions: rolled forward" "" ck
window w6 "commit slow=30 skip=6" yes "killed after the commits, before the ledger: rolled forward" "" ck
window w7 "status slow=30 skip=5" yes "the sessions expired before the rerun: the spool goes up in new sessions" \
	"status expire skip=1 times=2" ck
grep -q " expire status " "$T/srv/faults.log" && ok "the sessions did expire" || fail "the sessions did expire" "the fault did not fire"
window w8 "status slow=30 skip=6" yes "one committed, the other expired: only the other goes up again" \
	"status expire skip=2 times=1" ck

# every row of the rerun of a rolled-forward commit is dropped as committed
grep -q "records already in the warehouse, skipped" "$T/err" && ok "the rerun's rows of the commit are dropped as committed" ||
	fail "the rerun's rows of the commit are dropped as committed" "$(cat "$T/err")"

# --- secrets ---
key=$(sed -n 's/^access_key=//p' "$ODPS_CONF")
if grep -rqF "$key" "$T"/s* "$T/err" "$T/kill.err" 2>/dev/null; then
	fail "the secret is in no file mcsync writes nor in a message" "found"
else
	ok "the secret is in no file mcsync writes nor in a message"
fi

#!/bin/sh
# mc-tunnel-put --mode=upsert, exactly once: killed with SIGKILL in every window of
# a commit (creating its sessions, between PUTs, between the journal's "commit" and
# the commit, after the commit before the ledger), at random moments, and with the
# server forgetting a committed session; the PK table read back through SQL after
# each kill and each rerun is a state of the source at a transaction end, never
# older than the one seen before, and after the rerun equals the source state
# (docs/maxcompute.md "--mode=upsert").
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/t7051-odps-upsert.lib"

"$BIN/tools/mcgen" changes 300 400 >"$T/ch.mcr" || { fail "mcgen" "failed"; exit 1; }
mc-cat "$T/ch.mcr" >"$T/ch.jsonl"
N=--name=sbtest.sbtest1

# window NAME RULE DESC [PHASE]: the program waits in the request the rule slows (done),
# and is killed there
window() {
	: >"$T/srv/faults.log"
	faults "$2"
	put_ "s$1" $N="t$1" --commit-rows=60 "$T/ch.mcr" >/dev/null 2>"$T/kill.err" &
	_p=$!
	if wait_for "slow" "$T/srv/faults.log" 100; then
		kill -9 "$_p"
		wait "$_p" 2>/dev/null
		nofaults
		seen "$1" "t$1" "$T/ch.jsonl" "$3: the table after the kill"
		[ -z "${4:-}" ] || expect_grep "$3: the journal says $4" "^phase $4" "$T/s$1/_mcsync/upsert-journal"
		expect_ok "$3: the rerun" put "s$1" $N="t$1" --commit-rows=60 "$T/ch.mcr"
		seen "$1" "t$1" "$T/ch.jsonl" "$3: the table after the rerun"
		final "t$1" "$T/ch.jsonl" "$3: the table equals the source state"
	else
		kill -9 "$_p" 2>/dev/null
		nofaults
		fail "$3" "the fault did not fire: $(head -c 300 "$T/kill.err")"
	fi
}
window w1 "ucreate slow=30 skip=2" "killed creating a session"
window w2 "uput slow=30 skip=3" "killed between PUTs" put
window w3 "uget slow=30 skip=1" "killed between the journal's commit and the commit" commit
window w4 "ucommit slow=30 skip=1" "killed after the commit, before the ledger" commit

# doubt N: the run of state sN into table tN killed in its second commit,
# after the journal's "commit" (that commit in doubt)
doubt() {
	: >"$T/srv/faults.log"
	faults "ucommit slow=30 skip=2"
	put_ "s$1" $N="t$1" --commit-rows=60 "$T/ch.mcr" >/dev/null 2>"$T/kill.err" &
	_p=$!
	wait_for "slow" "$T/srv/faults.log" 100 && kill -9 "$_p"
	wait "$_p" 2>/dev/null
	nofaults
}
# forget: the server forgets the session of the commit in doubt once
forget() { faults "uget forget times=1
ucommit forget times=1"; }

# the commit in doubt of a killed run, and the server forgets its session: the kept
# bodies go again in a new session
doubt 5
seen w5 t5 "$T/ch.jsonl" "killed after a commit: the table"
expect_grep "the journal says commit" "^phase commit" "$T/s5/_mcsync/upsert-journal"
forget
expect_ok "the rerun, the session forgotten by the server" put s5 $N=t5 --commit-rows=60 "$T/ch.mcr"
nofaults
expect_grep "... the changes of the commit in doubt went again" "in doubt: the changes of t5 went again in session" "$T/err"
seen w5 t5 "$T/ch.jsonl" "... the table after the rerun"
final t5 "$T/ch.jsonl" "... equals the source state"
[ ! -e "$T/s5/_mcsync/upsert-journal" ] && ok "... and the journal is gone" || fail "the journal is gone" "it is there"

# the same, the kept bodies deflated (the default) and the rerun with
# --compress=none: they go again as they were kept, deflated
doubt 7
expect_grep "kept bodies say how they are compressed" "^b 0 [0-9]* [0-9]* [0-9]* deflate\$" "$T/s7/_mcsync/upsert-next/bodies"
forget
expect_ok "the rerun with --compress=none, the session forgotten" put s7 $N=t7 --commit-rows=60 --compress=none "$T/ch.mcr"
nofaults
expect_grep "... the changes of the commit in doubt went again" "in doubt: the changes of t7 went again in session" "$T/err"
final t7 "$T/ch.jsonl" "... the table equals the source state"

# SIGKILL at random moments, each followed by a look and a rerun under faults
for i in 1 2 3 4 5; do
	faults "any slow=0.03 p=0.5"
	put_ s6 $N=t6 --commit-rows=30 "$T/ch.mcr" >/dev/null 2>&1 &
	p=$!
	sleep "0.$((i * 17 % 9 + 1))"
	kill -9 "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	nofaults
	seen w6 t6 "$T/ch.jsonl" "SIGKILL at a random moment ($i): the table"
done
faults "uput 500 p=0.2
ucommit lost p=0.3"
expect_ok "the rerun under faults (5xx, lost commit answers)" put s6 $N=t6 --commit-rows=30 "$T/ch.mcr"
nofaults
seen w6 t6 "$T/ch.jsonl" "... the table after it"
final t6 "$T/ch.jsonl" "... equals the source state"

#!/bin/sh
# mc-tunnel-put --dest=odps://: a snapshot and changes uploaded into the
# local MaxCompute (tests/odps-server) through Tunnel upload sessions and
# read back through its SQL equal the input; a rerun is a repeat; every
# window of a commit (before the first PUT, between PUTs, between the status
# check and the commit, after the commit before the state write) killed
# with SIGKILL, the server's faults (5xx, 429, a connection dropped
# mid-PUT, a lost commit answer, a repeated commit, session expiry), and
# SIGKILL at random moments: after a rerun every row is there once
# (docs/maxcompute.md "Uploading", "Exactly once").
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"

need python3
odps_start srv || exit 1
DB=$T/srv/p1.db
CLI="python3 $TOP/tests/odps-server/client.py --endpoint=$ODPS_ENDPOINT --credentials=$ODPS_CONF --project=p1"

"$BIN/tools/mcgen" sysbench 3000 >"$T/sb.mcr" || { fail "mcgen" "failed"; exit 1; }
"$BIN/tools/mcgen" changes 3000 600 >"$T/ch.mcr" || { fail "mcgen" "failed"; exit 1; }

# mc-tunnel-put creates its tables (odps/tables.h). mk makes one of another
# layout (the names of the sqlite dialect: _op, _pos_file...), in the
# server's catalog directly, since its SQL refuses names starting with '_'.
cat >"$T/mk.py" <<'PY'
import re, sys
sys.path.insert(0, sys.argv[1] + "/tests/odps-server")
import catalog, recstream
catalog.NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}\Z")
p = catalog.Project(sys.argv[2], "p1")
data = [("id", "INT"), ("k", "INT"), ("c", "STRING"), ("pad", "STRING")]
pos = [("_pos_file", "BIGINT"), ("_pos_off", "BIGINT"), ("_pos_row", "BIGINT")]
log = [("_op", "STRING"), ("_image", "STRING"), ("_time", "BIGINT")]
def cols(l): return [(n, recstream.parse_type(t), True, "") for n, t in l]
part = [("ds", recstream.parse_type("STRING"))]
for name in sys.argv[3:]:
    p.create_table(name, cols(data + pos), part, 0, "", True)
    p.create_table(name + "_log", cols(log + data + pos), part, 0, "", True)
PY
mk() { python3 "$T/mk.py" "$TOP" "$DB" "$@"; }

# The rows of a table read back through SQL against the input's, as sorted
# CSV lines without the partition (mchist csv: the log rows mcsync writes).
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
		fail "$2" "base $(wc -l <"$T/got.base")/$(wc -l <"$T/want.base") rows, log $(wc -l <"$T/got.log")/$(wc -l <"$T/want.log") rows ($(diff "$T/want.log" "$T/got.log" | head -c 300))"
	fi
}
puts() { grep -c " PUT /projects/p1/tables/$1?" "$T/srv/requests.log"; }

# --- options ---
expect_code 2 "odps:// without --state exits 2" \
	mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" "$T/sb.mcr"
expect_grep "it names --state" "needs --state=DIR" "$T/err"
expect_code 2 "--state with a warehouse directory exits 2" mc-tunnel-put --dest="$T/w" --state="$T/x" "$T/sb.mcr"
expect_code 2 "--endpoint with a warehouse directory exits 2" mc-tunnel-put --dest="$T/w" --endpoint=http://h/api "$T/sb.mcr"
expect_code 2 "--threads=65 exits 2 (1..64)" put t0 s0 --threads=65 "$T/sb.mcr"
expect_code 2 "a bad --retry-time exits 2" put t0 s0 --retry-time=1m "$T/sb.mcr"
expect_code 2 "a bad --retry-delay exits 2" put t0 s0 --retry-delay=0 "$T/sb.mcr"
expect_grep "... naming it and its range" "bad value for --retry-delay: '0' \(want seconds, e.g. 1 or 0.05, 0.001..60\)" "$T/err"
expect_code 2 "a bad --compress exits 2" put t0 s0 --compress=lz4 "$T/sb.mcr"
expect_code 2 "a bad project exits 2" mc-tunnel-put --dest=odps://p-1 --state="$T/s0" "$T/sb.mcr"

# --- a table of another layout: refused, naming the column ---
mk other
expect_code 1 "a table of another layout exits 1" put other s0 "$T/sb.mcr"
expect_grep "naming the table and the column" "MaxCompute table 'p1\.other': column 5 is '_pos_file' there, mcsync writes 'mc_pos_file'" "$T/err"

# --- snapshot and changes (the tables created by mc-tunnel-put) ---
expect_ok "a snapshot and changes go up" put t1 s1 --commit-rows=700 "$T/sb.mcr" "$T/ch.mcr"
check t1 "the rows read back through SQL equal the input, once"
expect_grep "the ledger is in the state directory" "^seq [0-9]" "$T/s1/_mcsync/ledger"
n=$(puts t1)
expect_ok "a rerun" put t1 s1 --commit-rows=700 "$T/sb.mcr" "$T/ch.mcr"
check t1 "a rerun is a repeat"
[ "$(puts t1)" = "$n" ] && ok "a rerun uploads nothing" || fail "a rerun uploads nothing" "$n -> $(puts t1) PUTs"
expect_ok "zstd, small blocks" put t1b s1b --compress=zstd --block-size=20000 "$T/sb.mcr" "$T/ch.mcr"
check t1b "zstd blocks of 20 KB: the same rows"
[ "$(grep -c "PUT /projects/p1/tables/t1b?.*blockid=[1-9]" "$T/srv/requests.log")" -gt 5 ] &&
	ok "the rows went up in many blocks" || fail "the rows went up in many blocks" "$(puts t1b) PUTs"
expect_code 2 "the state of another --dest is refused" \
	mc-tunnel-put --dest=odps://p1/default --odps-config="$ODPS_CONF" --state="$T/s1" "$T/sb.mcr"

# --- every window of a commit, killed ---
# The server answers the fault's request SLOW seconds late, after doing it:
# the program is killed while it waits, with the request done.
window() { # NAME RULE DESC
	: >"$T/srv/faults.log"
	faults "$2"
	put_ "$1" "s$1" --block-size=30000 --commit-rows=5000 "$T/sb.mcr" "$T/ch.mcr" >/dev/null 2>"$T/kill.err" &
	_p=$!
	if wait_for "slow" "$T/srv/faults.log" 100; then
		kill -9 "$_p"
		wait "$_p" 2>/dev/null
		nofaults
		put "$1" "s$1" --block-size=30000 --commit-rows=5000 "$T/sb.mcr" "$T/ch.mcr" >"$T/out" 2>"$T/err" ||
			fail "$3" "the rerun failed: $(cat "$T/err")"
		check "$1" "$3"
	else
		kill -9 "$_p" 2>/dev/null
		nofaults
		fail "$3" "the fault did not fire"
	fi
}
window w1 "create slow=30" "killed before the first PUT: every row once"
window w2 "put slow=30 skip=2" "killed between PUTs: every row once"
window w3 "status slow=30" "killed between the status check and the commit: every row once"
window w4 "commit slow=30" "killed after the commit, before the state is written: every row once"
: >"$T/srv/faults.log"
faults "commit slow=30"
put_ w5 sw5 --commit-rows=5000 "$T/sb.mcr" >/dev/null 2>&1 &
p=$!
wait_for "slow" "$T/srv/faults.log" 100 && kill -9 "$p"
wait "$p" 2>/dev/null
nofaults
expect_grep "a killed commit leaves its sessions in the journal" "^p.0.session " "$T/sw5/_mcsync/odps-journal"
expect_ok "the rerun finds the session committed" put w5 sw5 --commit-rows=5000 "$T/sb.mcr" "$T/ch.mcr"
check w5 "and skips its rows: every row once"
[ ! -e "$T/sw5/_mcsync/odps-journal" ] && ok "the journal is gone once the ledger holds the commit" ||
	fail "the journal is gone once the ledger holds the commit" "still there"

# --- faults, retried ---
fault() { # NAME RULES DESC [ARGS]
	nofaults
	faults "$2"
	put "$1" "s$1" --block-size=30000 --commit-rows=900 --retry-time=0.5 "$T/sb.mcr" "$T/ch.mcr" >"$T/out" 2>"$T/err" ||
		fail "$3" "exit $?: $(tail -2 "$T/err")"
	check "$1" "$3"
}
fault f1 "put 500 times=3
create 503 times=2
status 502 times=2" "5xx on create, status and PUT are retried: every row once"
fault f2 "any 429 times=4" "429 (flow exceeded) is retried: every row once"
fault f3 "put drop times=3" "a connection dropped mid-PUT is retried: every row once"
fault f4 "commit lost times=2" "a lost commit answer: the status says committed, every row once"
fault f5 "commit dup times=2" "a repeated commit answering StatusConflict: every row once"
fault f6 "put expire times=1" "a session expired before a PUT: a new session, every row once"
fault f7 "commit expire times=1" "a session expired before its commit: a new session, every row once"
fault f8 "put 500 p=0.2
commit lost p=0.3
status 503 p=0.2" "faults at random: every row once"
nofaults

# --- the retry budget spent: exit 3, then a rerun ---
faults "put 503 times=100000"
expect_code 3 "5xx past --retry-time exits 3" put b1 sb1 --retry-time=0.03 "$T/sb.mcr" "$T/ch.mcr"
expect_grep "it names the request and the budget" "gave up after 2 s of retries.*PUT block .*HTTP 503" "$T/err"
nofaults
expect_ok "a rerun once the server is well" put b1 sb1 "$T/sb.mcr" "$T/ch.mcr"
check b1 "after exit 3 and a rerun: every row once"

# --- SIGKILL at random moments ---
i=0
while [ $i -lt 8 ]; do
	i=$((i + 1))
	faults "any slow=0.05 p=0.3"
	put_ "r$i" "sr$i" --block-size=20000 --commit-rows=400 "$T/sb.mcr" "$T/ch.mcr" >/dev/null 2>&1 &
	p=$!
	sleep "0.$(od -An -N1 -tu1 /dev/urandom | tr -d ' ')"
	kill -9 "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	faults "put 500 p=0.1
commit lost p=0.2"
	j=0
	until put "r$i" "sr$i" --block-size=20000 --commit-rows=400 "$T/sb.mcr" "$T/ch.mcr" >"$T/out" 2>"$T/err"; do
		j=$((j + 1))
		[ $j -ge 3 ] && break
	done
	nofaults
	check "r$i" "SIGKILL at a random moment ($i), rerun under faults: every row once"
done

# --- secrets ---
key=$(sed -n 's/^access_key=//p' "$ODPS_CONF")
if grep -rqF "$key" "$T/s1" "$T/sw5" "$T/err" "$T/kill.err" "$T/srv/requests.log" 2>/dev/null; then
	fail "the secret is in no file mcsync writes nor in a message" "found"
else
	ok "the secret is in no file mcsync writes nor in a message"
fi

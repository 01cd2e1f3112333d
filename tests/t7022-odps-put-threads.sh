#!/bin/sh
# mc-tunnel-put --dest=odps:// --threads=N: the blocks of a commit go up on
# N connections at once (docs/maxcompute.md "Connections"). The rows read
# back through the local server's SQL are the same with 1 and 4 threads;
# the server saw more than one PUT at once; 5xx, 429 and connections
# dropped mid-PUT are retried block by block; a 4xx that retrying cannot
# fix stops every PUT with exit 1; a budget spent is exit 3; SIGKILL while
# the blocks go up, then a rerun: every row once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"

need python3
need curl
odps_srv

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
		fail "$2" "base $(wc -l <"$T/got.base")/$(wc -l <"$T/want.base") rows, log $(wc -l <"$T/got.log")/$(wc -l <"$T/want.log") rows ($(diff "$T/want.log" "$T/got.log" | head -c 300))"
	fi
}
stats_reset() { curl -s -X DELETE "http://127.0.0.1:$ODPS_PORT/_mcsync/stats" >/dev/null; }
maxput() { curl -s "http://127.0.0.1:$ODPS_PORT/_mcsync/stats" | sed 's/.*"puts_max_concurrent": *\([0-9]*\).*/\1/'; }
puts() { grep -c " PUT /projects/p1/tables/$1?" "$T/srv/requests.log"; }

expect_code 2 "--threads=0 exits 2" put t0 s0 --threads=0 "$T/sb.mcr"
expect_code 2 "--threads=65 exits 2" put t0 s0 --threads=65 "$T/sb.mcr"

# --- the same rows with 1 and 4 connections ---
stats_reset
expect_ok "--threads=1" put t1 s1 --threads=1 --block-size=20000 --commit-rows=1500 "$T/sb.mcr" "$T/ch.mcr"
check t1 "--threads=1: the rows read back through SQL equal the input, once"
m1=$(maxput)
[ "$m1" = 1 ] && ok "--threads=1: one PUT at a time" || fail "--threads=1: one PUT at a time" "$m1 at once"
cp "$T/got.base" "$T/got1.base"
cp "$T/got.log" "$T/got1.log"
# each PUT answered 50 ms late: four connections overlap for sure
faults "put slow=0.05 p=1"
stats_reset
expect_ok "--threads=4" put t4 s4 --threads=4 --block-size=20000 --commit-rows=1500 "$T/sb.mcr" "$T/ch.mcr"
nofaults
m4=$(maxput)
check t4 "--threads=4: the rows read back through SQL equal the input, once"
cmp -s "$T/got1.base" "$T/got.base" && cmp -s "$T/got1.log" "$T/got.log" &&
	ok "--threads=4 and --threads=1 give the same rows" || fail "--threads=4 and --threads=1 give the same rows" "they differ"
[ "${m4:-0}" -gt 1 ] && [ "$m4" -le 4 ] && ok "--threads=4: the server saw $m4 PUTs at once (2..4)" ||
	fail "--threads=4: the server saw 2..4 PUTs at once" "$m4"
[ "$(puts t4)" = "$(puts t1)" ] && ok "the same number of blocks ($(puts t4) PUTs)" ||
	fail "the same number of blocks" "$(puts t1) with 1, $(puts t4) with 4"
n=$(puts t4)
expect_ok "a rerun with --threads=4" put t4 s4 --threads=4 --block-size=20000 --commit-rows=1500 "$T/sb.mcr" "$T/ch.mcr"
check t4 "a rerun is a repeat"
[ "$(puts t4)" = "$n" ] && ok "a rerun uploads nothing" || fail "a rerun uploads nothing" "$n -> $(puts t4) PUTs"
expect_grep "the journal is gone" "^seq " "$T/s4/_mcsync/ledger"

# --- faults, retried per block, with 4 connections ---
fault() { # NAME RULES DESC
	nofaults
	faults "$2"
	: >"$T/srv/faults.log"
	# exit 3 (a block's retry budget spent under random faults on a slow
	# machine) is what a rerun of the same command carries on from
	_try=0
	while :; do
		put "$1" "s$1" --threads=4 --block-size=20000 --commit-rows=900 --retry-time=0.5 \
			"$T/sb.mcr" "$T/ch.mcr" >"$T/out" 2>"$T/err"
		_rc=$?
		[ $_rc -eq 3 ] && [ $_try -lt 5 ] || break
		_try=$((_try + 1))
	done
	[ $_rc -eq 0 ] || fail "$3" "exit $_rc: $(tail -2 "$T/err")"
	check "$1" "$3"
}
fault f1 "put 500 times=4
put 503 times=2
put 502 times=2" "5xx on PUTs under way on 4 connections are retried: every row once"
expect_grep "the 5xx fired" " 50[023] put PUT " "$T/srv/faults.log"
fault f2 "put 429 times=6" "429 on PUTs with 4 connections is retried: every row once"
fault f3 "put drop times=5" "connections dropped mid-PUT with 4 connections are retried: every row once"
expect_grep "the drops fired" " drop put PUT " "$T/srv/faults.log"
fault f4 "put 500 p=0.2
put drop p=0.1
put 429 p=0.1
commit lost p=0.3" "faults at random with 4 connections: every row once"
fault f5 "put expire times=1" "a session expired under parallel PUTs: a new session, every row once"
nofaults

# --- the budget of a block spent: exit 3, then a rerun ---
faults "put 503 times=100000"
expect_code 3 "5xx past --retry-time with 4 connections exits 3" put b1 sb1 --threads=4 --block-size=20000 --retry-time=0.03 "$T/sb.mcr"
expect_grep "it names the block and the budget" "gave up after 2 s of retries.*PUT block [0-9]+ .*HTTP 503" "$T/err"
nofaults
expect_ok "a rerun once the server is well" put b1 sb1 --threads=4 --block-size=20000 "$T/sb.mcr" "$T/ch.mcr"
check b1 "after exit 3 and a rerun: every row once"

# --- SIGKILL while blocks go up on 4 connections ---
: >"$T/srv/faults.log"
faults "put slow=30 skip=5"
put_ k1 sk1 --threads=4 --block-size=20000 --commit-rows=5000 "$T/sb.mcr" "$T/ch.mcr" >/dev/null 2>&1 &
p=$!
if wait_for "slow" "$T/srv/faults.log" 100; then
	kill -9 "$p"
	wait "$p" 2>/dev/null
	nofaults
	expect_ok "the rerun after SIGKILL between parallel PUTs" put k1 sk1 --threads=4 --block-size=20000 --commit-rows=5000 "$T/sb.mcr" "$T/ch.mcr"
	check k1 "killed while 4 connections PUT: every row once"
else
	kill -9 "$p" 2>/dev/null
	nofaults
	fail "killed while 4 connections PUT" "the fault did not fire"
fi
i=0
while [ $i -lt 5 ]; do
	i=$((i + 1))
	faults "put slow=0.05 p=0.5"
	put_ "r$i" "sr$i" --threads=4 --block-size=20000 --commit-rows=400 "$T/sb.mcr" "$T/ch.mcr" >/dev/null 2>&1 &
	p=$!
	sleep "0.$(od -An -N1 -tu1 /dev/urandom | tr -d ' ')"
	kill -9 "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	faults "put 500 p=0.1
put drop p=0.05
commit lost p=0.2"
	j=0
	until put "r$i" "sr$i" --threads=4 --block-size=20000 --commit-rows=400 "$T/sb.mcr" "$T/ch.mcr" >"$T/out" 2>"$T/err"; do
		j=$((j + 1))
		[ $j -ge 3 ] && break
	done
	nofaults
	check "r$i" "SIGKILL at a random moment with 4 connections ($i), rerun under faults: every row once"
done

# --- a 4xx that retrying cannot fix stops every PUT: exit 1 ---
# (a server that takes blocks of 5000 bytes at most: 413)
odps_start srv2 --max-block-bytes=5000 || exit 1
expect_code 1 "a 413 on one of 4 parallel PUTs exits 1" put x1 sx1 --threads=4 --block-size=20000 --compress=deflate "$T/sb.mcr"
expect_grep "it names the block and the server's answer" "PUT block [0-9]+ of upload session .*HTTP 413" "$T/err"
n=$(grep -c " PUT /projects/p1/tables/x1?" "$T/srv2/requests.log")
[ "$n" -le 4 ] && ok "the other PUTs stopped ($n sent)" || fail "the other PUTs stopped" "$n PUTs sent"
grep " POST /projects/p1/tables/x1?" "$T/srv2/requests.log" | grep -v "uploads" >"$T/commits"
[ ! -s "$T/commits" ] && ok "nothing was committed after the 4xx" ||
	fail "nothing was committed after the 4xx" "$(head -2 "$T/commits")"

#!/bin/sh
# mc-tunnel-put --dest=odps://: the spool of a commit (docs/maxcompute.md
# "Exactly once"): its limits and its damage. A spool file missing or
# truncated when the rerun needs it (the sessions of the commit in doubt
# expired) is exit 1 naming the file and what to do, nothing guessed; not
# needed (the sessions are still open), the rerun finishes the commit
# without it. A write error while spooling (the file size limit: the same
# path as a full disk) is exit 1 naming the spool file, nothing committed;
# the rerun puts every row once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"

need python3
odps_srv

"$BIN/tools/mcgen" sysbench 600 >"$T/sb.mcr" || { fail "mcgen" "failed"; exit 1; }
"$BIN/tools/mchist" csv X base "$T/sb.mcr" | sed 's/,X$//' | tr -d '"' | sort >"$T/want.base"

put_() { # NAME ARGS... (exec)
	_n=$1
	shift
	exec mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/s$_n" \
		--name=sbtest.sbtest1="$_n" --retry-time=0.2 --retry-delay=0.05 --commit-rows=200 --block-size=8000 "$@" "$T/sb.mcr"
}
put() { (put_ "$@"); }
check() { # NAME DESC
	$CLI sql "SELECT * FROM $1" 2>"$T/sql.err" | sed 1d | sed 's/,[0-9]*$//' | sort >"$T/got.base"
	cmp -s "$T/want.base" "$T/got.base" && ok "$2" ||
		fail "$2" "$(wc -l <"$T/got.base")/$(wc -l <"$T/want.base") rows"
}
# killed between the status check and the commit of the data session (its
# journal and spool written, its session open)
killed() { # NAME [ARGS...]
	: >"$T/srv/faults.log"
	faults "status slow=30 skip=1"
	put_ "$@" >/dev/null 2>"$T/kill.err" &
	_p=$!
	wait_for "slow" "$T/srv/faults.log" 150 || { kill -9 $_p; wait $_p 2>/dev/null; nofaults; return 1; }
	kill -9 $_p
	wait $_p 2>/dev/null
	nofaults
	[ -f "$T/s$1/_mcsync/odps-journal" ] && ls "$T/s$1/_mcsync/spool/"* >/dev/null 2>&1
}

# --- a spool file missing, its sessions expired: exit 1 naming it ---
killed m1 || fail "a commit in doubt with its spool" "not made: $(cat "$T/kill.err")"
f=$(ls "$T/sm1/_mcsync/spool/"* | head -1)
rm -f "$f"
faults "status expire skip=1 times=1"
expect_code 1 "a spool file missing when the sessions expired exits 1" put m1
expect_grep "naming the file and what to do" "'$f' is missing: the blocks of commit [0-9]* left in doubt cannot be uploaded again from the spool.*restore the file, or rebuild the state with --recover" "$T/err"
nofaults
[ -f "$T/sm1/_mcsync/odps-journal" ] && ok "the journal stays (nothing guessed)" || fail "the journal stays (nothing guessed)" "gone"

# --- a spool file truncated: the same ---
killed m2 || fail "a commit in doubt with its spool" "not made: $(cat "$T/kill.err")"
f=$(ls "$T/sm2/_mcsync/spool/"* | head -1)
n=$(wc -c <"$f")
head -c $((n - 7)) "$f" >"$f.x" && mv "$f.x" "$f"
faults "status expire skip=1 times=1"
expect_code 1 "a truncated spool file exits 1" put m2
expect_grep "naming it" "'$f' holds $((n - 7)) bytes, the journal says $n: " "$T/err"
nofaults
# a file of the right size with other bytes: its CRC
killed m3 || fail "a commit in doubt with its spool" "not made: $(cat "$T/kill.err")"
f=$(ls "$T/sm3/_mcsync/spool/"* | head -1)
printf 'XXXX' | dd of="$f" bs=1 seek=10 conv=notrunc 2>/dev/null
faults "status expire skip=1 times=1"
expect_code 1 "a damaged spool file exits 1" put m3
expect_grep "its CRC" "'$f' does not have the CRC-32C the journal recorded" "$T/err"
nofaults

# --- the spool not needed: its sessions are open, the commit finishes ---
killed m4 || fail "a commit in doubt with its spool" "not made: $(cat "$T/kill.err")"
rm -f "$T/sm4/_mcsync/spool/"*
expect_ok "the spool is not read when the sessions are open" put m4
check m4 "every row once"

# --- the rerun with another --compress: the spool goes up as it was
# compressed (the journal names how), whatever this run's option ---
for c in "zstd none" "none deflate" "deflate zstd"; do
	set -- $c
	n=c$1$2
	killed $n --compress=$1 || fail "a commit in doubt with its spool ($1)" "not made: $(cat "$T/kill.err")"
	faults "status expire skip=1 times=1"
	expect_ok "spooled with --compress=$1, the sessions expired, the rerun with --compress=$2" put $n --compress=$2
	nofaults
	check $n "... every row once"
done

# a journal naming a compression mcsync does not make: damaged, exit 1
killed cbad || fail "a commit in doubt with its spool" "not made: $(cat "$T/kill.err")"
sed 's/^\(p\.0\.spool [0-9]* [0-9a-f]* [0-9]*\) [a-z]*$/\1 lz4/' "$T/scbad/_mcsync/odps-journal" >"$T/j" &&
	cat "$T/j" >"$T/scbad/_mcsync/odps-journal"
expect_grep "(the journal edited)" '^p\.0\.spool [0-9]* [0-9a-f]* [0-9]* lz4$' "$T/scbad/_mcsync/odps-journal"
expect_code 1 "a journal naming another compression exits 1" put cbad
expect_grep "... naming the journal and its key" "odps-journal': key 'p\.0\.spool' is missing or bad" "$T/err"

# --- a write error while spooling: nothing committed ---
# (the file size limit, SIGXFSZ ignored: write() fails as on a full disk)
(trap '' XFSZ; ulimit -f 8; put_ f1) >/dev/null 2>"$T/err"
rc=$?
[ $rc = 1 ] && ok "a write error while spooling exits 1" || fail "a write error while spooling exits 1" "exit $rc: $(cat "$T/err")"
expect_grep "naming the spool file" "'$T/sb.mcr': spooling the blocks of commit 1 to '$T/sf1/_mcsync/spool/1\.[0-9]*' .nothing of it is committed; make room and run again.: File too large" "$T/err"
[ ! -e "$T/sf1/_mcsync/odps-journal" ] && [ ! -e "$T/sf1/_mcsync/ledger" ] && ok "no journal, no ledger" ||
	fail "no journal, no ledger" "$(ls "$T/sf1/_mcsync")"
n=$($CLI sql "SELECT COUNT(*) FROM f1" 2>/dev/null | sed -n 2p)
[ "${n:-0}" = 0 ] && ok "nothing committed" || fail "nothing committed" "$n rows"
expect_ok "the rerun with room" put f1
check f1 "every row once"
[ ! -e "$T/sf1/_mcsync/spool" ] && ok "the spool is removed after the commit" || fail "the spool is removed after the commit" "$(ls "$T/sf1/_mcsync/spool")"

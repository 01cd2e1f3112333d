# tests/lib-odps.sh: what the tests of MaxCompute share, over the local
# server (tests/lib.sh odps_start). Source it after tests/lib.sh:
#   . "$(dirname "$0")/lib-odps.sh"
# It unsets the credentials and proxies of the environment (the tests talk
# to the local server only) and offers:
#   layout_start                   a server for the log layout $L (data in
#                                  $T/srv-$L, project p1): sets DB (its
#                                  database), OD (mc-tunnel-put's and
#                                  mc-merge's options to it), S ($T/s-$L), W
#                                  ($T/w-$L) and put (mc-tunnel-put $OD
#                                  --state=$S --log-layout=$L ...); exits
#                                  when it does not start
#   odps_srv                       the local server (data in $T/srv,
#                                  project p1; exits when it does not
#                                  start) and CLI, its client
#                                  (tests/odps-server/client.py)
#   sb_put NAME STATE ARGS...      mc-tunnel-put ARGS into odps_srv's
#                                  project, sbtest.sbtest1 named NAME,
#                                  the state $T/STATE
#   put_ NAME STATE ARGS...        sb_put with short retries (--retry-time=0.2
#                                  --retry-delay=0.05), by exec: $! of
#                                  "put_ ... &" is the program's pid; put:
#                                  the same in a subshell
#   rec STATE WRITER               mc-tunnel-put --recover=WRITER into
#                                  $T/STATE, short retries
#   faults SPEC / nofaults         set the server's faults (tests/odps-server
#                                  faults.py), clear them
#   kill_in_commit DIR SKIP OK FAIL CMD...
#                                  run CMD (an mc-tunnel-put) in the
#                                  background with the server (data in DIR)
#                                  answering late at a commit after SKIP,
#                                  SIGKILL it there; then "ok - OK" (none
#                                  when OK is ""), or "FAIL - FAIL: the fault
#                                  did not fire"; faults cleared after
#   local_load W TABLE NAME [DS]   the partition DS (default $D) of TABLE
#                                  merged in the local warehouse W into the
#                                  sqlite database $T/loc.db (tools/mchist);
#                                  "FAIL - NAME: load" ("load": NAME "")
#                                  when it cannot
#   same_part W TABLE COLS NAME DESC
#                                  local_load, then the partition $D of TABLE
#                                  in MaxCompute ($DB) equals it, sorted
#                                  ($T/o.rows, $T/l.rows): every column when
#                                  COLS is "*", else COLS and the position;
#                                  "FAIL - NAME: the local merge has rows"
#                                  when it has none; expect_same DESC
#   same_source SRC TABLE COLS DESC
#                                  (with tests/mariadb.sh) COLS of the rows
#                                  of SRC (db.table) in the source equal
#                                  those of the partition $D of TABLE in
#                                  MaxCompute ($DB), sorted ($T/truth,
#                                  $T/got): expect_same DESC

unset ALIBABA_CLOUD_ACCESS_KEY_ID ALIBABA_CLOUD_ACCESS_KEY_SECRET ALIBABA_CLOUD_SECURITY_TOKEN
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy

odps_srv() {
	odps_start srv || exit 1
	CLI="python3 $TOP/tests/odps-server/client.py --endpoint=$ODPS_ENDPOINT --credentials=$ODPS_CONF --project=p1"
}

put_() {
	_n=$1 _s=$2
	shift 2
	exec mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/$_s" \
		--name=sbtest.sbtest1="$_n" --retry-time=0.2 --retry-delay=0.05 "$@"
}
put() { (put_ "$@"); }
rec() {
	mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/$1" \
		--retry-time=0.2 --retry-delay=0.05 --recover="$2"
}

sb_put() {
	_n=$1 _s=$2
	shift 2
	mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/$_s" \
		--name=sbtest.sbtest1="$_n" "$@"
}

layout_start() {
	odps_start "srv-$L" || exit 1
	DB=$T/srv-$L/p1.db
	OD="--dest=odps://p1 --odps-config=$ODPS_CONF"
	S=$T/s-$L
	W=$T/w-$L
	put() { mc-tunnel-put $OD --state="$S" --retry-time=0.2 --retry-delay=0.05 --log-layout=$L "$@"; }
}

faults() { curl -s -X POST --data-binary "$1" "http://127.0.0.1:$ODPS_PORT/_mcsync/faults" >/dev/null; }
nofaults() { curl -s -X DELETE "http://127.0.0.1:$ODPS_PORT/_mcsync/faults" >/dev/null; }

kill_in_commit() {
	_kd=$1 _ks=$2 _kok=$3 _kfail=$4
	shift 4
	: >"$_kd/faults.log"
	faults "commit slow=30 skip=$_ks"
	"$@" >/dev/null 2>"$T/kill.err" &
	_kp=$!
	if wait_for "slow" "$_kd/faults.log" 150; then
		kill -9 $_kp
		wait $_kp 2>/dev/null
		[ -z "$_kok" ] || ok "$_kok"
	else
		kill -9 $_kp 2>/dev/null
		wait $_kp 2>/dev/null
		fail "$_kfail" "the fault did not fire: $(tail -2 "$T/kill.err")"
	fi
	nofaults
}

local_load() {
	{ "$BIN/tools/mchist" create "$2" "$1/$2/_schema.mcr" | head -1
	  "$BIN/tools/mchist" load "$2" "ds=${4:-$D}" base "$1/$2/ds=${4:-$D}"/part-*.mcr.zst; } >"$T/loc.sql"
	rm -f "$T/loc.db"
	sqlite3 "$T/loc.db" ".read $T/loc.sql" 2>"$T/err" || fail "${3:+$3: }load" "$(cat "$T/err")"
}

same_part() {
	local_load "$1" "$2" "$4"
	if [ "$3" = "*" ]; then
		sqlite3 "$T/loc.db" "SELECT * FROM $2 WHERE ds = '$D'" | sort >"$T/l.rows"
		sqlite3 "$DB" "SELECT * FROM $2 WHERE ds = '$D'" | sort >"$T/o.rows"
	else
		sqlite3 "$T/loc.db" "SELECT $3, _pos_file || ':' || _pos_off || ':' || _pos_row FROM $2
			WHERE ds = '$D'" | sort >"$T/l.rows"
		sqlite3 "$DB" "SELECT $3, mc_pos_file || ':' || mc_pos_off || ':' || mc_pos_row FROM $2
			WHERE ds = '$D'" | sort >"$T/o.rows"
	fi
	[ -s "$T/l.rows" ] || fail "$4: the local merge has rows" "none"
	expect_same "$5" "$T/l.rows" "$T/o.rows"
}

same_source() {
	sql "SELECT $3 FROM $1" | tr '\t' '|' | sort >"$T/truth"
	sqlite3 "$DB" "SELECT $3 FROM $2 WHERE ds = '$D'" | sort >"$T/got"
	expect_same "$4" "$T/truth" "$T/got"
}

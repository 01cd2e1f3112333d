# tests/lib.sh: the shared library of the shell tests. Source it first:
#   . "$(dirname "$0")/lib.sh"
# It sets TOP (the repo), BIN (built programs, first on PATH), FIXTURES (the
# test inputs checked in under tests/fixtures, see its README.md), T (a
# private temp dir removed at exit) and offers:
#   expect_ok DESC CMD...          CMD exits 0
#   expect_code N DESC CMD...      CMD exits N
#   expect_same DESC A B           files A and B are byte-identical
#   expect_golden DESC FILE NAME   FILE equals tests/golden/NAME
#                                  (UPDATE_GOLDEN=1 rewrites the golden file)
#   expect_grep DESC REGEX FILE    FILE has a line matching REGEX (grep -E)
#   expect_eq DESC GOT WANT        two strings are equal
#   ok DESC / fail DESC WHY        record a result by hand
#   at_exit CMD                    run CMD at exit, before $T is removed
#                                  (last registered runs first)
#   expect_conventions NAME VRE BADARG CMD...
#                                  the command-line conventions of a program
#                                  run as CMD...: --help, -V (its line
#                                  matches VRE; "" = no -V), a bad option
#                                  (followed by BADARG unless "")
#   wait_for REGEX FILE [TENTHS]   wait until a line of FILE matches REGEX
#                                  (grep -E), up to TENTHS/10 s (default
#                                  10 s); 0 if it came, 1 if not (no result)
#   wait_exit PID [TENTHS]         wait until process PID has ended, up to
#                                  TENTHS/10 s (default 5 s); 0 if it ended
#   tree DIR                       every file under DIR but locks, with its
#                                  sha256, sorted (to compare two trees)
#   restamp FILE TIME [HB [SPLIT TIME2]]
#                                  the record stream FILE (mcr, or JSON lines;
#                                  - for stdin) to stdout as mcr with every
#                                  record's time set to TIME (TIME2 from
#                                  position SPLIT "file:off:row" on) and, with
#                                  HB (not 0), a heartbeat at the last position
#                                  stamped HB before the trailer
#   load_two_days DIR              $T/snap.mcr stamped 2025-11-20 (into
#                                  $T/snap1.mcr) and $T/changes.mcr stamped
#                                  2025-11-21 with a heartbeat at its last
#                                  position on 2025-11-22 (into
#                                  $T/changes1.mcr), each loaded into the
#                                  warehouse DIR (two results); exits if
#                                  restamp fails
#   only FILE TABLE                the record stream FILE to stdout as mcr
#                                  with the records of TABLE only (and those
#                                  of no table), the trailer's count to match
#   from_pos POS                   JSON lines of a record stream, stdin to
#                                  stdout: the records at or after position
#                                  POS ("file:off:row"), the trailer's count
#                                  to match
#   upto_pos POS                   the same, the records at or before POS
#   first_ids FILE...              the first column of each row's after image in
#                                  the record streams FILE..., sorted, one line
#   ren FILE DB TABLE              mcgen's sbtest.sbtest1 in FILE renamed
#                                  DB.TABLE, as mcr on stdout
#   one FILE...                    the files' records as one stream (the
#                                  first header, one trailer), as mcr
#   swap_txns FILE OFF1 OFF2       the record stream FILE to stdout as mcr
#                                  with two transactions swapped: those of
#                                  the change rows at file offsets OFF1 and
#                                  OFF2 (OFF1 first), each from that row to
#                                  its txn_end mark (changes out of order
#                                  inside one stream, tests/t3057)
#   keychange_setup [k3]           (with tests/mariadb.sh, after mdb_start)
#                                  t3044's scenario of changes of the primary
#                                  key: tables d.k, d.k2 (and d.k3) in
#                                  $T/snap.mcr, the changes after it (two key
#                                  changes of k2, the old key column dropped
#                                  after) in $T/changes.mcr; exits on failure
#   keychange_days                 its streams stamped: $T/snap1.mcr on
#                                  2025-11-20, $T/changes1.mcr on 2025-11-21
#                                  with a heartbeat at its last position on
#                                  2025-11-22 (the end of day 21), and
#                                  $T/bad1.mcr, those changes through
#                                  keychange_bad; exits on failure
#   keychange_bad                  JSON lines, stdin to stdout: the insert of
#                                  id 5 into d.k given u = 40 (a row that
#                                  breaks k's new key at its change)
#   odps_start NAME [OPTION...]    start the local MaxCompute server
#                                  (tests/odps-server) on a loopback port,
#                                  data in $T/NAME, project ${ODPS_PROJECT:-p1};
#                                  sets ODPS_PID, ODPS_PORT, ODPS_ENDPOINT and
#                                  ODPS_CONF (an odpscmd config file, mode 600,
#                                  with a random secret); stopped at exit;
#                                  blocks decoded by the C decoder when built
#                                  (ODPS_BLOCK_DECODER=python: by recstream.py);
#                                  it refuses full scans of partitioned tables
#                                  as a strict project does (ODPS_NO_FULLSCAN=0:
#                                  it allows them)
#   odps_stop PID                  stop it (SIGTERM, then SIGKILL after 5 s)
#   sqlite3 ARGS...                the sqlite3 command; on a local server's
#                                  database (DIR/PROJECT.db, beside its
#                                  PROJECT.blocks) it first copies the rows
#                                  of committed Tunnel blocks not yet read
#                                  into their tables (the server does that
#                                  lazily, at a table's first read:
#                                  tests/odps-server/committed.py)
# Every `timeout` in a test has -k (timeout -k 5 N ...), so that what does
# not end at SIGTERM is killed and the test fails instead of hanging. A
# command run in the background and stopped by a signal sent to the
# timeout is run with `timeout --foreground`: without it timeout follows
# the SIGTERM with a SIGCONT to the process group, and a SIGCONT discards
# the SIGSTOP of LeakSanitizer's exit-time ptrace attach, so that an ASan
# build hangs at exit (the tracer waits for a stop that never comes).
# Each result prints one line, "ok - DESC" or "FAIL - DESC: WHY"; tests/run.sh
# counts them. Output of a failing command is kept in $T/out and $T/err and
# shown on failure.

set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
O=${O:-build}
case $O in /*) BIN=$O ;; *) BIN=$TOP/$O ;; esac
FIXTURES=$TOP/tests/fixtures
PATH=$BIN:$PATH
export PATH TOP BIN FIXTURES
T=$(mktemp -d "${TMPDIR:-/tmp}/mctest.XXXXXX")
_at_exit=
at_exit() { _at_exit="$1; $_at_exit"; }
trap 'eval "$_at_exit"; rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
# a test whose output pipe closed (sh t.sh | head) still stops its servers
trap 'exit 141' PIPE
trap 'exit 129' HUP
_name=$(basename "$0" .sh)

ok() { printf 'ok - %s: %s\n' "$_name" "$1"; }
# need CMD...: every CMD on PATH, else a failure naming the first missing
# one (make deps installs them all) and exit: a test whose tools are
# missing fails, it is never counted as passed
need() {
	for _c; do
		command -v "$_c" >/dev/null 2>&1 && continue
		printf 'FAIL - %s: needs %s, which is not installed (make deps installs it)\n' "$_name" "$_c"
		exit 1
	done
}
fail() {
	printf 'FAIL - %s: %s: %s\n' "$_name" "$1" "$2"
	if [ -s "$T/err" ]; then sed -n '1,20s/^/#   stderr: /p' "$T/err"; fi
}

expect_code() {
	_want=$1 _desc=$2
	shift 2
	"$@" >"$T/out" 2>"$T/err" </dev/null
	_got=$?
	if [ "$_got" -eq "$_want" ]; then ok "$_desc"; return 0; fi
	case $_got in
	124) fail "$_desc" "timed out (exit 124), expected exit $_want" ;;
	137) fail "$_desc" "killed (exit 137: SIGKILL, e.g. timeout -k), expected exit $_want" ;;
	*) fail "$_desc" "exit $_got, expected $_want" ;;
	esac
	return 1
}

expect_ok() {
	_desc=$1
	shift
	expect_code 0 "$_desc" "$@"
}

expect_same() {
	if cmp -s "$2" "$3"; then ok "$1"; return 0; fi
	fail "$1" "$2 and $3 differ: $(cmp "$2" "$3" 2>&1 | head -1)"
	return 1
}

expect_golden() {
	_g=$TOP/tests/golden/$3
	if [ "${UPDATE_GOLDEN:-}" = 1 ]; then cp "$2" "$_g"; fi
	if [ ! -f "$_g" ]; then fail "$1" "no golden file tests/golden/$3"; return 1; fi
	if cmp -s "$2" "$_g"; then ok "$1"; return 0; fi
	fail "$1" "differs from tests/golden/$3: $(diff "$_g" "$2" | head -5 | tr '\n' ' ')"
	return 1
}

expect_grep() {
	if grep -Eq -- "$2" "$3"; then ok "$1"; return 0; fi
	fail "$1" "no line matches /$2/ in $(basename "$3"): $(head -c 300 "$3" | tr '\n' ' ')"
	return 1
}

expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; return 0; fi
	fail "$1" "got '$2', expected '$3'"
	return 1
}

# Run CMD with stdout into `head -1`: passes when CMD dies of SIGPIPE or
# exits 0 quietly, fails on any message or other exit.
expect_sigpipe() {
	_desc=$1
	shift
	( "$@" 2>"$T/err"; echo $? >"$T/rc" ) | head -c 1 >/dev/null
	_rc=$(cat "$T/rc")
	if { [ "$_rc" -eq 0 ] || [ "$_rc" -eq 141 ]; } && [ ! -s "$T/err" ]; then
		ok "$_desc"; return 0
	fi
	fail "$_desc" "exit $_rc on a closed pipe"
	return 1
}

expect_conventions() {
	_cname=$1 _cvre=$2 _cbad=$3
	shift 3
	expect_ok "--help exits 0" "$@" --help
	expect_grep "--help prints the usage on stdout" "^Usage: $_cname" "$T/out"
	if [ -n "$_cvre" ]; then
		expect_ok "-V exits 0" "$@" -V
		expect_grep "-V names the program and version" "$_cvre" "$T/out"
	fi
	if [ -n "$_cbad" ]; then
		expect_code 2 "a bad option exits 2" "$@" --no-such-option "$_cbad"
	else
		expect_code 2 "a bad option exits 2" "$@" --no-such-option
	fi
	expect_grep "a bad option says Try --help" "Try '$_cname --help'" "$T/err"
}

wait_for() {
	_wi=0
	while ! grep -Eq -- "$1" "$2" 2>/dev/null; do
		[ "$_wi" -ge "${3:-100}" ] && return 1
		sleep 0.1
		_wi=$((_wi + 1))
	done
	return 0
}

wait_exit() {
	_wi=0
	while kill -0 "$1" 2>/dev/null; do
		[ "$_wi" -ge "${2:-50}" ] && return 1
		sleep 0.1
		_wi=$((_wi + 1))
	done
	return 0
}

# fifo_release "PIDS" FIFO...: after a kill of one side of a named pipe, let
# the other side (PIDS) go. A side killed before it opened the pipe leaves its
# peer blocked in open(2) for good (a loaded machine: the kill came a few ms
# after the fork); an open for reading and writing pairs with that open and
# is closed at once, so the peer reads the end of its input or its next
# write fails (SIGPIPE). Repeated while any of PIDS lives (a peer may reach
# its open later), up to 10 s.
fifo_release() {
	_fpids=$1
	shift
	_fi=0
	while [ $_fi -lt 200 ]; do
		_falive=
		for _fp in $_fpids; do kill -0 "$_fp" 2>/dev/null && _falive=1; done
		[ -n "$_falive" ] || return 0
		for _ff; do : <>"$_ff"; done
		sleep 0.05
		_fi=$((_fi + 1))
	done
}

# tree DIR: every file's checksum, but locks and mc-merge's record of its
# last run (_mcsync/merged.NAME: times of day, for mc-cat --status)
# while_locked CMD...: run CMD (its output dropped) until it exits other
# than 3 ("locked"), at most 50 times 0.2 s apart: after a SIGKILL the
# killed run's lock goes only when the kernel has closed its files
while_locked() {
	_wl=0
	while [ $_wl -lt 50 ]; do
		"$@" >/dev/null 2>&1
		[ $? -ne 3 ] && return 0
		sleep 0.2
		_wl=$((_wl + 1))
	done
}

tree() { (cd "$1" && find . -type f ! -name '*.lock' ! -path './_mcsync/merged.*' | sort | xargs sha256sum); }

restamp() { # FILE TIME [HEARTBEAT_TIME [SPLIT_POS TIME2]]: TIME2 from SPLIT_POS on
	mc-cat "$1" | python3 -c '
import json, sys
t = int(sys.argv[1]); hb = int(sys.argv[2]); last = None
split = [int(x) for x in sys.argv[3].split(":")] if sys.argv[3] else None
for l in sys.stdin:
    r = json.loads(l)
    if r.get("kind") == "trailer":
        n = r["count"]
        if hb:
            print(json.dumps({"kind": "mark", "mark": "heartbeat", "pos": last, "time": hb,
                              "db": "", "table": "", "label": ""}))
            n += 1
        r = {"kind": "trailer", "count": n}
    elif "mcr" not in r:
        r["time"] = int(sys.argv[4]) if split and r["pos"] >= split else t
        last = r["pos"]
    print(json.dumps(r))' "$2" "${3:-0}" "${4:-}" "${5:-0}" | mc-cat --to=mcr
}

load_two_days() { # DIR
	restamp "$T/snap.mcr" 1763596800 >"$T/snap1.mcr" &&
		restamp "$T/changes.mcr" 1763683200 1763769600 >"$T/changes1.mcr" ||
		{ fail "setup" "restamp"; exit 1; }
	expect_ok "the snapshot loads" mc-tunnel-put --dest="$1" "$T/snap1.mcr"
	expect_ok "the changes load" mc-tunnel-put --dest="$1" "$T/changes1.mcr"
}

only() { _tables "$1" "$2" 1; } # FILE TABLE: the stream's records of TABLE only (and those of no table)
but() { _tables "$1" "$2" 0; }  # FILE TABLE: the stream without TABLE's records
_tables() {
	mc-cat "$1" | python3 -c '
import json, sys
t = sys.argv[1]; keep = sys.argv[2] == "1"; n = 0; out = []
for l in sys.stdin:
    r = json.loads(l)
    if r.get("kind") == "trailer":
        r["count"] = n
    elif "mcr" not in r:
        if r.get("table") not in (None, "") and (r.get("table") == t) != keep:
            continue
        n += 1
    out.append(json.dumps(r))
print("\n".join(out))' "$2" "$3" | mc-cat --to=mcr
}

# jsonl_drop EXPR [POS]: JSON lines, the records r for which the Python
# expression EXPR holds left out (P: POS, "F:O:R", as a list), the
# trailer's count to match
jsonl_drop() {
	python3 -c '
import json, sys
e = compile(sys.argv[1], "EXPR", "eval")
P = [int(x) for x in sys.argv[2].split(":")] if len(sys.argv) > 2 else None
n = 0
for l in sys.stdin:
    r = json.loads(l)
    if r.get("kind") == "trailer":
        r = {"kind": "trailer", "count": n}
    elif "mcr" not in r:
        if eval(e):
            continue
        n += 1
    print(json.dumps(r))' "$@"
}
from_pos() { jsonl_drop 'r["pos"] < P' "$1"; } # POS: JSON lines, the records at or after POS
upto_pos() { jsonl_drop 'r["pos"] > P' "$1"; } # POS: JSON lines, the records at or before POS

# mcr FILE: the JSON lines of standard input (a stream without its
# trailer) with a trailer that counts them, as a record stream in FILE
# (the lines kept in FILE.jsonl)
mcr() {
	cat >"$1.jsonl"
	echo '{"kind":"trailer","count":'$(($(wc -l <"$1.jsonl") - 1))'}' >>"$1.jsonl"
	mc-cat --to=mcr "$1.jsonl" >"$1" || fail "mc-cat $1" "failed"
}
# part_rows TDIR DS: the rows of the full partition DS of the warehouse
# table in directory TDIR, of two columns (an integer key, a string), as
# "id:v", sorted, on one line
part_rows() {
	mc-cat --to=jsonl "$1"/ds=$2/part-*.mcr.zst |
		sed -n 's/.*"after":\[\([0-9]*\),"\([^"]*\)"\].*/\1:\2/p' | sort | tr '\n' ' '
}

first_ids() {
	mc-cat --to=jsonl "$@" 2>/dev/null | grep -o '"after":\[[0-9]*' | sed 's/.*\[//' | sort -n | tr '\n' ' '
}

ren() { # FILE DB TABLE: mcgen's sbtest.sbtest1 in FILE renamed DB.TABLE, as mcr
	mc-cat "$1" | sed "s/\"db\":\"sbtest\",\"table\":\"sbtest1\"/\"db\":\"$2\",\"table\":\"$3\"/" |
		mc-cat --to=mcr
}
one() { # FILE...: the files' records as one stream (the first header, one trailer)
	for f in "$@"; do mc-cat "$f"; done | python3 -c '
import json, sys
out = []; n = 0; head = None
for l in sys.stdin:
    r = json.loads(l)
    if "mcr" in r:
        head = head or l.strip()
        continue
    if r.get("kind") == "trailer":
        continue
    out.append(l.strip()); n += 1
print(head); print("\n".join(out)); print(json.dumps({"kind": "trailer", "count": n}))' |
		mc-cat --to=mcr
}

swap_txns() { # FILE OFF1 OFF2
	mc-cat "$1" | python3 -c '
import json, sys
a, b = int(sys.argv[1]), int(sys.argv[2])
recs = [json.loads(l) for l in sys.stdin]
def txn(off):
    i = next(k for k, r in enumerate(recs) if r.get("kind") == "row" and r["pos"][1] == off)
    j = next(k for k in range(i, len(recs)) if recs[k].get("mark") == "txn_end")
    return i, j + 1
(i1, j1), (i2, j2) = txn(a), txn(b)
for r in recs[:i1] + recs[i2:j2] + recs[j1:i2] + recs[i1:j1] + recs[j2:]:
    print(json.dumps(r))' "$2" "$3" | mc-cat --to=mcr
}

keychange_setup() { # [k3]
	_k3c= _k3i= _k3u=
	if [ "${1:-}" = k3 ]; then
		_k3c="
     CREATE TABLE d.k3 (id INT PRIMARY KEY, u INT NOT NULL, v INT);"
		_k3i=";
     INSERT INTO d.k3 VALUES (1,10,1),(2,10,2),(3,30,3)"
		_k3u="
     DELETE FROM d.k3 WHERE id = 1; ALTER TABLE d.k3 DROP PRIMARY KEY, ADD PRIMARY KEY (u);
     UPDATE d.k3 SET v = 20 WHERE u = 10;"
	fi
	sql "CREATE DATABASE d;
     CREATE TABLE d.k (id INT PRIMARY KEY, u INT NOT NULL, v VARCHAR(10));
     CREATE TABLE d.k2 (id INT PRIMARY KEY, u INT NOT NULL, w INT NOT NULL, v INT);$_k3c
     INSERT INTO d.k VALUES (1,10,'a'),(2,20,'b'),(3,30,'c'),(4,40,'d');
     INSERT INTO d.k2 VALUES (1,10,100,1),(2,20,200,2)$_k3i" || { fail "setup" "sql failed"; exit 1; }
	mdb_snap_d
	sql "INSERT INTO d.k VALUES (5,50,'e'), (6,10,'dup of u');
     UPDATE d.k SET v = 'a2' WHERE id = 1; DELETE FROM d.k WHERE id = 1;
     UPDATE d.k SET id = 12, v = 'moved' WHERE id = 2; UPDATE d.k SET u = 31 WHERE id = 3;
     DELETE FROM d.k WHERE id = 4; INSERT INTO d.k VALUES (4,40,'back');
     ALTER TABLE d.k DROP PRIMARY KEY, ADD PRIMARY KEY (u);
     INSERT INTO d.k VALUES (7,70,'g'); UPDATE d.k SET u = 11 WHERE u = 10;
     UPDATE d.k SET v = 'after' WHERE u = 31; DELETE FROM d.k WHERE u = 50;
     INSERT INTO d.k2 VALUES (3,30,300,3); UPDATE d.k2 SET u = 21 WHERE id = 2; DELETE FROM d.k2 WHERE id = 1;
     ALTER TABLE d.k2 DROP PRIMARY KEY, ADD PRIMARY KEY (u);
     INSERT INTO d.k2 VALUES (4,40,400,4); UPDATE d.k2 SET w = 301 WHERE u = 30;
     ALTER TABLE d.k2 DROP PRIMARY KEY, ADD PRIMARY KEY (w);
     UPDATE d.k2 SET v = 44 WHERE w = 400; ALTER TABLE d.k2 DROP COLUMN id;
     INSERT INTO d.k2 VALUES (50,500,5);$_k3u
     FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
	set -- $(mc-cat --to=summary "$T/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
	_kf=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
	mc-binlog-tail --schema="$T/snap.mcr" --from="$_kf:$2" "$MDB_DIR"/binlog/mysql-bin.[0-9]* \
		>"$T/changes.mcr" 2>"$T/err" || { fail "setup" "mc-binlog-tail: $(cat "$T/err")"; exit 1; }
}

keychange_days() {
	restamp "$T/snap.mcr" 1763596800 >"$T/snap1.mcr" &&
		restamp "$T/changes.mcr" 1763683200 1763769600 >"$T/changes1.mcr" &&
		mc-cat "$T/changes.mcr" | keychange_bad | restamp - 1763683200 1763769600 >"$T/bad1.mcr" ||
		{ fail "setup" "restamp"; exit 1; }
}

keychange_bad() {
	python3 -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    if r.get("kind") == "row" and r.get("table") == "k" and r.get("op") == "insert" and r["after"][0] == 5:
        r["after"][1] = 40
    print(json.dumps(r))'
}

odps_start() {
	_od=$T/$1
	shift
	mkdir -p "$_od"
	ODPS_CONF=$T/odps.conf
	if [ ! -f "$ODPS_CONF" ]; then
		(umask 077 && printf 'access_id=mcsync-test\naccess_key=%s\n' \
			"$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$ODPS_CONF")
	fi
	rm -f "$_od/port"
	# the C block decoder when built (ODPS_BLOCK_DECODER=python: the reference)
	_bd=python
	if [ "${ODPS_BLOCK_DECODER:-}" != python ] && [ -f "$BIN/tools/odps-blockdec.so" ]; then
		_bd=$BIN/tools/odps-blockdec.so
	fi
	python3 "$TOP/tests/odps-server/server.py" --port=0 --data="$_od" --ready-file="$_od/port" \
		--credentials="$ODPS_CONF" --project="${ODPS_PROJECT:-p1}" --block-decoder="$_bd" \
		--no-fullscan="${ODPS_NO_FULLSCAN:-1}" "$@" \
		2>>"$_od/server.err" &
	ODPS_PID=$!
	at_exit "odps_stop $ODPS_PID"
	if ! wait_for . "$_od/port" 100; then
		fail "odps_start" "the local MaxCompute server did not start: $(tail -3 "$_od/server.err")"
		return 1
	fi
	ODPS_PORT=$(cat "$_od/port")
	ODPS_ENDPOINT=http://127.0.0.1:$ODPS_PORT/api
	(umask 077 && grep -Ev '^(project_name|end_point)=' "$ODPS_CONF" >"$ODPS_CONF.new" &&
		printf 'project_name=%s\nend_point=%s\n' "${ODPS_PROJECT:-p1}" "$ODPS_ENDPOINT" \
			>>"$ODPS_CONF.new" && mv "$ODPS_CONF.new" "$ODPS_CONF")
	export ODPS_PID ODPS_PORT ODPS_ENDPOINT ODPS_CONF
}

# tls_ca NAME: a self-signed CA, $T/NAME.pem and $T/NAME-key.pem
tls_ca() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=mcsync test $1" \
		-keyout "$T/$1-key.pem" -out "$T/$1.pem" >>"$T/openssl.log" 2>&1 ||
		fail "openssl: a CA" "$(tail -3 "$T/openssl.log")"
}
# tls_server_cert: $T/server.pem and $T/server-key.pem for 127.0.0.1,
# signed by the CA $T/ca.pem (tls_ca ca)
tls_server_cert() {
	openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$T/server-key.pem" \
		-out "$T/server.csr" >>"$T/openssl.log" 2>&1 &&
		openssl x509 -req -in "$T/server.csr" -CA "$T/ca.pem" -CAkey "$T/ca-key.pem" \
			-CAcreateserial -days 2 -out "$T/server.pem" >>"$T/openssl.log" 2>&1 ||
		fail "openssl: the server certificate" "$(tail -3 "$T/openssl.log")"
}
# free_port: a free TCP port on the loopback (asked of the kernel, not fixed)
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

odps_stop() {
	kill "$1" 2>/dev/null || return 0
	wait_exit "$1" 50 || kill -9 "$1" 2>/dev/null
}

command -v sqlite3 >/dev/null && sqlite3() {
	for _sa; do
		case $_sa in
		*.db)
			[ -d "${_sa%.db}.blocks" ] && [ -f "$_sa" ] &&
				[ "$(command sqlite3 "$_sa" 'SELECT count(*) FROM _odps_pending' 2>/dev/null)" != 0 ] &&
				python3 "$TOP/tests/odps-server/committed.py" "$_sa"
			;;
		esac
	done
	command sqlite3 "$@"
}

# tests/mariadb.sh: a throwaway MariaDB server for one test. Source it after
# tests/lib.sh:
#   . "$(dirname "$0")/lib.sh"
#   . "$(dirname "$0")/mariadb.sh"
#   mdb_start [EXTRA-SERVER-OPTION...]   start it (fails the test, exit 1, if it cannot)
#   sql "STATEMENT; ..."                 run SQL as root (batch mode, tab-separated, no header)
#   mdb_stop                             stop it (also done at exit)
#   mdb_restart [EXTRA-SERVER-OPTION...] stop and start on the same data directory
#   mdb_kill_query LIKE                  kill the connection of the first query whose
#                                        text matches LIKE, once it has run 0.2 s (1: none
#                                        showed within 5 s)
#   mdb_changes SNAP OUT                 the changes since the snapshot SNAP (an mc-snapshot
#                                        stream) from the server's binlog files, read with
#                                        SNAP's schemas, into OUT (fails the test, exit 1,
#                                        if mc-binlog-tail fails)
#   mdb_snap_d                           mc-snapshot of database d into $T/snap.mcr
#   mdb_load_d                           after mdb_snap_d and changes: the changes since
#                                        $T/snap.mcr into $T/changes.mcr, $at their last
#                                        position, database d as it is now into
#                                        $T/now.mcr, and the snapshot and the changes
#                                        loaded into the warehouse $T/w (two checks;
#                                        fails the test, exit 1, if a step cannot run)
#                                        (fails the test, exit 1, if it fails)
#   mdb_live_ck CK                       a live tail from binlog 1 (to the server's end,
#                                        --checkpoint-in=CK) into $T/live.mcr, loaded by
#                                        mc-tunnel-put --dest=$T/wh --checkpoint-out=CK;
#                                        returns the tail's exit status, the sink's in
#                                        $put_rc (stderr: $T/tail.err, $T/put.err)
# It sets MDB_SOCK (the private socket), MDB_DIR (data, binlogs, log),
# MDB_PID, and MDB_ARGS (client options: --socket=... --user=root) for the
# programs under test. The server has no TCP port (--skip-networking), logs
# its binlog in $MDB_DIR/binlog/mysql-bin.NNNNNN with binlog_format=ROW,
# binlog_row_image=FULL, binlog_row_metadata=FULL and a server-id unique to
# this process. It is stopped by its own pid at exit, never by name.
#
# A server that cannot be started is a failure, not a skip: `make deps`
# installs MariaDB.

MDB_DIR=$T/mdb
MDB_SOCK=$MDB_DIR/sock
MDB_PID=
MDB_ARGS="--socket=$MDB_SOCK --user=root"
MDB_EXTRA=
export MDB_SOCK MDB_DIR
at_exit mdb_stop

_mdb_bin() {
	for _c in "$@"; do
		if command -v "$_c" >/dev/null 2>&1; then command -v "$_c"; return 0; fi
		for _d in /usr/sbin /usr/libexec /usr/local/sbin; do
			if [ -x "$_d/$_c" ]; then echo "$_d/$_c"; return 0; fi
		done
	done
	return 1
}

_mdb_fatal() {
	fail "throwaway MariaDB" "$1"
	for _l in "$MDB_DIR/install.log" "$MDB_DIR/error.log"; do
		[ -f "$_l" ] && tail -n 15 "$_l" | sed 's/^/#   server: /'
	done
	exit 1
}

_mdb_launch() {
	mkdir -p "$MDB_DIR/tmp"
	"$MDB_SERVER" --no-defaults --user="$(id -un)" \
		--datadir="$MDB_DIR/data" --socket="$MDB_SOCK" --skip-networking \
		--tmpdir="$MDB_DIR/tmp" \
		--pid-file="$MDB_DIR/pid" --log-error="$MDB_DIR/error.log" \
		--log-bin="$MDB_DIR/binlog/mysql-bin" --server-id="$MDB_SERVER_ID" \
		--binlog-format=ROW --binlog-row-image=FULL --binlog-row-metadata=FULL \
		--innodb-buffer-pool-size=${MDB_BUFFER_POOL:-32M} --innodb-log-file-size=16M \
		--innodb-flush-log-at-trx-commit=2 --sync-binlog=0 --innodb-doublewrite=0 \
		--skip-name-resolve --max-connections=100 --performance-schema=OFF \
		--character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
		$MDB_EXTRA "$@" >>"$MDB_DIR/error.log" 2>&1 &
	MDB_PID=$!
	_i=0
	while :; do
		if ! kill -0 "$MDB_PID" 2>/dev/null; then
			MDB_PID=
			_mdb_fatal "the server exited during start-up"
		fi
		if "$MDB_CLIENT" --no-defaults --socket="$MDB_SOCK" --user=root \
			-e 'SELECT 1' >/dev/null 2>&1; then
			return 0
		fi
		_i=$((_i + 1))
		[ $_i -gt 600 ] && _mdb_fatal "not answering after 60 s"
		sleep 0.1
	done
}

mdb_start() {
	MDB_SERVER=$(_mdb_bin mariadbd mysqld) || _mdb_fatal "no mariadbd (run 'make deps')"
	MDB_INSTALL=$(_mdb_bin mariadb-install-db mysql_install_db) ||
		_mdb_fatal "no mariadb-install-db (run 'make deps')"
	MDB_CLIENT=$(_mdb_bin mariadb mysql) || _mdb_fatal "no mariadb client (run 'make deps')"
	MDB_SERVER_ID=$(( ($$ % 100000) + 1000 ))
	mkdir -p "$MDB_DIR/data" "$MDB_DIR/binlog" || _mdb_fatal "cannot create $MDB_DIR"
	# A data directory made once per build is copied: mariadb-install-db
	# costs seconds, a copy milliseconds.
	_tmpl=$BIN/test-mdb-template
	if [ ! -f "$_tmpl/.done" ]; then
		# One maker at a time (tests run in parallel), and a second try:
		# a bootstrap on a loaded machine fails now and then.
		(
			flock 9
			_try=0
			while [ ! -f "$_tmpl/.done" ] && [ $_try -lt 2 ]; do
				_try=$((_try + 1))
				rm -rf "$_tmpl.$$" && mkdir -p "$_tmpl.$$"
				if "$MDB_INSTALL" --no-defaults --user="$(id -un)" --datadir="$_tmpl.$$" \
					--auth-root-authentication-method=normal --skip-test-db \
					--skip-name-resolve >"$MDB_DIR/install.log" 2>&1; then
					touch "$_tmpl.$$/.done"
					rm -rf "$_tmpl" && mv -T "$_tmpl.$$" "$_tmpl"
				fi
			done
			rm -rf "$_tmpl.$$"
		) 9>"$_tmpl.lock"
		[ -f "$_tmpl/.done" ] || _mdb_fatal "mariadb-install-db failed"
	fi
	[ -f "$_tmpl/.done" ] || _mdb_fatal "no data directory template"
	cp -R "$_tmpl/." "$MDB_DIR/data/" || _mdb_fatal "cannot copy the data directory"
	rm -f "$MDB_DIR/data/.done"
	MDB_EXTRA="$*"
	_mdb_launch
}

mdb_stop() {
	[ -n "$MDB_PID" ] || return 0
	kill -TERM "$MDB_PID" 2>/dev/null
	_i=0
	while kill -0 "$MDB_PID" 2>/dev/null; do
		_i=$((_i + 1))
		if [ $_i -gt 300 ]; then kill -KILL "$MDB_PID" 2>/dev/null; break; fi
		sleep 0.1
	done
	wait "$MDB_PID" 2>/dev/null
	MDB_PID=
}

mdb_restart() {
	mdb_stop
	MDB_EXTRA="$*"
	_mdb_launch
}

# sql STATEMENTS: run as root; output tab-separated without column names.
sql() {
	"$MDB_CLIENT" --no-defaults --socket="$MDB_SOCK" --user=root --batch \
		--skip-column-names --default-character-set=utf8mb4 -e "$1"
}

mdb_kill_query() {
	_kq=
	for _ in $(seq 100); do
		_kq=$(sql "SELECT id FROM information_schema.processlist
			WHERE id <> CONNECTION_ID() AND info LIKE '$1'")
		[ -n "$_kq" ] && break
		sleep 0.05
	done
	sleep 0.2
	[ -n "$_kq" ] || return 1
	sql "KILL CONNECTION $_kq"
}

mdb_changes() {
	set -- "$1" "$2" $(mc-cat --to=summary "$1" |
		sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
	mc-binlog-tail --schema="$1" --from="$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$3"):$4" \
		"$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$2" 2>"$T/mdb_changes.err" ||
		{ fail "setup" "mc-binlog-tail: $(cat "$T/mdb_changes.err")"; exit 1; }
}

mdb_load_d() {
	mdb_changes "$T/snap.mcr" "$T/changes.mcr"
	at=$(mc-cat --to=summary "$T/changes.mcr" | sed -n 's/^positions: .* \.\. //p')
	mc-snapshot $MDB_ARGS --databases=d >"$T/now.mcr" 2>"$T/err" ||
		{ fail "setup" "mc-snapshot: $(cat "$T/err")"; exit 1; }
	expect_ok "the snapshot loads" mc-tunnel-put --dest="$T/w" "$T/snap.mcr"
	expect_ok "the changes load" mc-tunnel-put --dest="$T/w" "$T/changes.mcr"
}

mdb_live_ck() {
	timeout -k 5 20 mc-binlog-tail $MDB_ARGS --server-id=$((MDB_SERVER_ID + 1)) --heartbeat=0 \
		--stop-at-end --checkpoint-in="$1" --start=mysql-bin.000001:4 >"$T/live.mcr" 2>"$T/tail.err"
	_mlc=$?
	mc-tunnel-put --dest="$T/wh" --checkpoint-out="$1" <"$T/live.mcr" 2>"$T/put.err"
	put_rc=$?
	return $_mlc
}

# mdb_pos: the server's binlog offset now
mdb_pos() { sql "SHOW MASTER STATUS" | cut -f2; }
# binlog_created FILE: the time in the header of its Format_description event
binlog_created() { od -An -tu4 -j4 -N4 "$1" | tr -d ' '; }
# MDB_BL: the server's binlogs' path without the number; MDB_WHY_HISTORY:
# the end of mc-binlog-tail's refusal of a binlog of another history than
# the checkpoint's (a regular expression)
MDB_BL=$MDB_DIR/binlog/mysql-bin
MDB_WHY_HISTORY="the file is not the binlog the checkpoint was written of \\(a RESET MASTER since, or another server's binlog; its changes would be lost\\): read the new history from its first binlog, into mc-tunnel-put --new-history"

# mdb_pad_to R B: rows 11, 12, ... inserted into d.t (id, v VARCHAR(255)),
# each padded (REPEAT keeps the statement's length, the row grows by the
# count) so that a transaction ends at binlog offset R; B: the bytes of
# one such transaction with a count of 000 (the caller measures it). i is
# the next id after. Fails the test when R cannot be met.
mdb_pad_to() {
	i=11
	while [ "$(mdb_pos)" -lt "$1" ]; do
		_mpt=$(($1 - $(mdb_pos) - $2))
		if [ $_mpt -gt 250 ]; then _mpt=0
		elif [ $_mpt -lt 0 ]; then
			fail "aligning the new binlog" "at $(mdb_pos), a transaction of $2 bytes passes $1"
			exit 1
		fi
		sql "INSERT INTO d.t VALUES ($i,REPEAT('x',$(printf %03d $_mpt)))"
		i=$((i + 1))
	done
}

# mdb_new_history R N [SQL]: RESET MASTER (a second after the binlogs were
# made: another creation time), then the new history's binlog N (1 or 2)
# written up to a transaction that ends at offset R: row 10 (SQL before it,
# e.g. SET gtid_seq_no = 1000) measures one (B), rows 11... pad
# (mdb_pad_to); binlog 2 after FLUSH BINARY LOGS
mdb_new_history() {
	sleep 1
	sql "RESET MASTER"
	[ "$2" = 1 ] && sleep 1 # the binlog checkpoint event the server writes
	_mnh=$(mdb_pos)
	sql "${3:+$3; }INSERT INTO d.t VALUES (10,REPEAT('x',000))"
	B=$(($(mdb_pos) - _mnh))
	if [ "$2" = 2 ]; then
		sql "FLUSH BINARY LOGS"
		sleep 1 # the binlog checkpoint event the server writes after the rotation
	fi
	mdb_pad_to "$1" "$B"
}

mdb_snap_d() {
	mc-snapshot $MDB_ARGS --databases=d >"$T/snap.mcr" 2>"$T/err" ||
		{ fail "setup" "mc-snapshot: $(cat "$T/err")"; exit 1; }
}

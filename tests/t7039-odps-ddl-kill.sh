#!/bin/sh
# Exactly once with table-replacing DDL in a commit (docs/maxcompute.md
# "Table-replacing DDL", "Exactly once", "Recovering a lost state
# directory"): a throwaway MariaDB, a table with changes on both sides of a
# TRUNCATE and a table whose only change is a TRUNCATE, in one commit. For
# the mcsync layout (markers in T_log) and the dts and dataworks layouts
# (markers in T_log_ddl), mc-tunnel-put is killed (SIGKILL) in that commit
# after one, two or three of its sessions' commits are done (T7039_KILLS,
# default "1 2 3"; the sanitizer run "1 3"), then (a) run
# again with its state, (b) its state removed, --recover run, and run
# again: the tables hold what a clean load holds (each row and marker
# once), and the day merged in MaxCompute is the source's. Before the
# markers were counted as rows, --recover called a commit in doubt whose
# log partition held a marker among its rows damaged ("neither the N of
# the commits before it nor those and its M"), and one holding only a
# marker "without its rows' positions".
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
. "$(dirname "$0")/mariadb.sh"
need python3 sqlite3 curl

mdb_start
sql "CREATE DATABASE d;
     CREATE TABLE d.tr (id INT PRIMARY KEY, v INT);
     CREATE TABLE d.tz (id INT PRIMARY KEY, v INT);
     INSERT INTO d.tr VALUES (1,1),(2,2),(3,3);
     INSERT INTO d.tz VALUES (1,1),(2,2)" || { fail "setup" "sql failed"; exit 1; }
mdb_snap_d
sql "INSERT INTO d.tr VALUES (4,4); UPDATE d.tr SET v = v + 10; TRUNCATE TABLE d.tr;
     INSERT INTO d.tr VALUES (5,5),(1,10); UPDATE d.tr SET v = 50 WHERE id = 5;
     TRUNCATE TABLE d.tz; FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
set -- $(mc-cat --to=summary "$T/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
first=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
mc-binlog-tail --tables='^d\.' --from="$first:$2" "$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/ch.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-binlog-tail: $(cat "$T/err")"; exit 1; }
restamp "$T/snap.mcr" 1763596800 >"$T/snap1.mcr" &&
	restamp "$T/ch.mcr" 1763683200 1763769600 >"$T/ch1.mcr" || { fail "setup" "restamp"; exit 1; }
D=20251121

for L in mcsync dts dataworks; do
	odps_start "srv-$L" || exit 1
	DB=$T/srv-$L/p1.db
	OD="--dest=odps://p1 --odps-config=$ODPS_CONF"
	put_() { # PREFIX STATE ARGS...
		_p=$1 _s=$2
		shift 2
		exec mc-tunnel-put $OD --state="$T/$_s" --retry-time=0.2 --log-layout=$L \
			--name=d.tr="${_p}_tr" --name=d.tz="${_p}_tz" "$@"
	}
	put() { (put_ "$@"); }
	# what a clean load holds
	expect_ok "$L: a clean load" put c "sc-$L" "$T/snap1.mcr" "$T/ch1.mcr"
	tables="tr tr_log tz tz_log"
	[ $L = mcsync ] || tables="$tables tr_log_ddl tz_log_ddl"
	dump() { # PREFIX
		for t in $tables; do
			echo "== $t"
			sqlite3 "$DB" "SELECT * FROM ${1}_$t" | sort
		done
	}
	dump c >"$T/want.$L"
	grep -q "^T|" "$T/want.$L" || grep -q "|T|" "$T/want.$L" ||
		fail "$L: the clean load has its markers" "$(cat "$T/want.$L")"
	for k in ${T7039_KILLS:-1 2 3}; do
		for how in rerun recover; do
			P=k$k$how
			S=s-$L-$P
			expect_ok "$L $P: the snapshot" put $P $S "$T/snap1.mcr"
			kill_in_commit "$T/srv-$L" $k "" "$L $P: the kill" put_ $P $S "$T/ch1.mcr"
			if [ $how = recover ]; then
				w=$(sed -n 's/^writer //p' "$T/$S/_mcsync/odps")
				rm -rf "${T:?}/$S"
				expect_ok "$L $P: --recover after the state is lost" \
					mc-tunnel-put $OD --state="$T/$S" --retry-time=0.2 --recover="$w"
				cp "$T/out" "$T/rec.$L.$P"
			fi
			expect_ok "$L $P: the same command again" put $P $S "$T/ch1.mcr"
			dump $P | sed "s/^$P/c/" >"$T/got"
			expect_same "$L $P: the tables hold what a clean load holds (rows and markers once)" \
				"$T/want.$L" "$T/got"
			for t in tr tz; do
				mc-merge $OD --state="$T/$S" --table=${P}_$t --ds=$D 2>"$T/err" ||
					fail "$L $P $t: the merge in MaxCompute" "$(cat "$T/err")"
				sql "SELECT id, v FROM d.$t" | tr '\t' '|' | sort >"$T/truth"
				sqlite3 "$DB" "SELECT id, v FROM ${P}_$t WHERE ds = '$D'" | sort >"$T/mgot"
				expect_same "$L $P $t: the day merged there is the source's" "$T/truth" "$T/mgot"
			done
		done
	done
	grep -h "_log.*: in (" "$T"/rec.$L.* >/dev/null &&
		ok "$L: --recover counted a log partition of the commit in" ||
		fail "$L: --recover counted a log partition of the commit in" "$(cat "$T"/rec.$L.*)"
	odps_stop "$ODPS_PID"
done

#!/bin/sh
# pipelines/full-and-incremental.sh: the main job of mcsync as a shell
# pipeline: snapshot -> base, binlog -> log, merge.
#
#   pipelines/full-and-incremental.sh            the demo on the embedded default
#   MCSYNC_DEST=odps-local pipelines/full-and-incremental.sh
#                                                the same into a local MaxCompute
#
# With no configuration it runs the demo: it starts a throwaway MariaDB on a
# private socket (no TCP port), loads sample data covering every column type,
# starts a write load (inserts, updates, key-changing updates, deletes),
# snapshots the tables into ./warehouse while it runs (the base), reads the
# changes from the server as a replica into the warehouse (the log), once
# during the load and once more after it, resuming from the sink's
# checkpoint, merges base + log at the last change, compares every table row by row and value by value with the source
# (a fresh snapshot once the load has stopped), prints a summary and stops the
# server. Work files go to $MCSYNC_WORK (default
# ./mcsync-demo), the warehouse to $MCSYNC_WAREHOUSE (default ./warehouse).
#
# MCSYNC_DEST=odps-local runs the same stages into MaxCompute: the strict
# local server of the tests (tests/odps-server, Python 3 and sqlite3),
# started on a private loopback port with a throwaway access key
# (pipelines/odps-local.sh), project 'demo'. mc-tunnel-put --dest=odps://demo
# uploads through Tunnel sessions (its state in $MCSYNC_WORK/odps-state), the
# merge runs there as SQL (mc-merge --dest=odps://demo --at=P --into=TABLE),
# the source's fresh snapshot goes up beside it, and the two are compared row
# by row through the server's SQL; the server is stopped by its pid at the
# end (its data stays in $MCSYNC_WORK/odps). MaxCompute cannot hold two of
# the sample data's values exactly (docs/types.md): the DECIMAL(65,30) column
# (30 digits after the point; MaxCompute's DECIMAL has at most 18) and the
# zero date '0000-00-00'; mcsync refuses them (exit 1, naming the column and
# the value), so this run loads the column as DECIMAL(38,18) and NULL for the
# zero date.
#
# Against a real server, the same stages run as below with your connection
# options (docs/pipelines.md has the commands and the cron line of the daily
# merge). The demo's tail stops at the end of the binlog (--stop-at-end); a
# production tail follows the server for good.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
BIN=${MCSYNC_BIN:-$TOP/build}
PATH=$BIN:$PATH
WORK=${MCSYNC_WORK:-$PWD/mcsync-demo}
WH=${MCSYNC_WAREHOUSE:-$PWD/warehouse}
ROWS=${MCSYNC_DEMO_ROWS:-2000}
CHANGES=${MCSYNC_DEMO_CHANGES:-500}
DEST=${MCSYNC_DEST:-}

say() { printf '%s\n' "== $*" >&2; }
die() { printf 'full-and-incremental: %s\n' "$*" >&2; exit 1; }

for p in mc-snapshot mc-binlog-tail mc-tunnel-put mc-merge mc-cat; do
	command -v "$p" >/dev/null || die "no $p in $BIN: run 'make' first"
done
case $DEST in
'') set -- "$WORK" "$WH" ;;
odps-local)
	command -v python3 >/dev/null || die "MCSYNC_DEST=odps-local needs python3 (the local MaxCompute is Python)"
	set -- "$WORK" ;;
*) die "MCSYNC_DEST='$DEST': the demo knows the local warehouse (unset) and odps-local" ;;
esac
# Start afresh, but only over what an earlier demo made.
for d in "$@"; do
	if [ -e "$d" ]; then
		[ -f "$d/.mcsync-demo" ] || die "'$d' exists and was not made by this demo; move it away"
		rm -rf "$d"
	fi
	mkdir -p "$d" && : >"$d/.mcsync-demo"
done

# The throwaway server: the test suite's helper, on a private socket.
T=$WORK/tmp
mkdir -p "$T"
fail() { printf 'full-and-incremental: %s: %s\n' "$1" "$2" >&2; }
_exit_cmds=
at_exit() { _exit_cmds="$1; $_exit_cmds"; }
trap 'eval "$_exit_cmds"; rm -rf "$T"' EXIT
. "$TOP/tests/mariadb.sh"
say "starting a throwaway MariaDB in $MDB_DIR"
mdb_start

if [ -n "$DEST" ]; then
	. "$HERE/odps-local.sh"
	say "starting the local MaxCompute (tests/odps-server) on a private loopback port, data in $WORK/odps"
	at_exit odps_local_stop
	odps_local_start "$WORK/odps" demo ||
		die "the local MaxCompute did not start: $(tail -n 3 "$WORK/odps/server.err" 2>/dev/null)"
	STATE=$WORK/odps-state
	fit() { sed -e 's/big_dec DECIMAL(65,30)/big_dec DECIMAL(38,18)/' -e "s/'0000-00-00'/NULL/"; }
	say "loading sample data: $ROWS rows per table, every column type (DECIMAL(38,18) and no zero date: what MaxCompute holds)"
else
	fit() { cat; }
	say "loading sample data: $ROWS rows per table, every column type"
fi
sql "$(sed "s/@ROWS@/$ROWS/g" "$HERE/demo-data.sql" | fit)" || die "loading the sample data failed"

# The stages as in production (docs/pipelines.md), with one checkpoint file
# between the source and the sink: mc-tunnel-put writes what it committed
# (--checkpoint-out), and each source resumes from it (--checkpoint-in):
# rerunning any of these commands after a crash or a SIGKILL carries on
# exactly once.
CK=$WORK/sink.ckpt
# put ARGS...: mc-tunnel-put into the destination
put() {
	if [ -z "$DEST" ]; then
		mc-tunnel-put --dest="$WH" "$@"
	else
		mc-tunnel-put --dest=odps://demo --odps-config="$ODPS_LOCAL_CONF" --state="$STATE" "$@"
	fi
}

say "write load: $CHANGES transactions, running during the snapshot and the tail"
"$HERE/demo-load.sh" "$CHANGES" | sed 's/^COMMIT;$/COMMIT; DO SLEEP(0.002);/' >"$WORK/load.sql"
sql "source $WORK/load.sql" >"$WORK/load.out" 2>&1 &
load=$!
at_exit "kill $load 2>/dev/null || :"

say "snapshot -> base (lock-free, 2 connections, chunks of 500 rows)"
mc-snapshot $MDB_ARGS --databases=shop --threads=2 --chunk-rows=500 --checkpoint-in="$CK" |
	put --checkpoint-out="$CK"

# The tail starts where the sink's checkpoint says: after the snapshot,
# that is the lowest watermark of its chunks (every change a chunk missed is
# after it; one a chunk saw already is applied again with the same result,
# docs/merge.md).
tail_to_log() {
	mc-binlog-tail $MDB_ARGS --server-id=$((MDB_SERVER_ID + 1)) --tables='^shop\.' \
		--checkpoint-in="$CK" --stop-at-end |
		put --checkpoint-out="$CK"
}
say "binlog from $(sed -n 's/^resume //p' "$CK"), as a replica -> log (while the load runs)"
tail_to_log
wait $load || die "the write load failed: $(tail -n 3 "$WORK/load.out")"
sql "FLUSH BINARY LOGS" >/dev/null
say "the load has stopped: the tail again, resuming from $(sed -n 's/^resume //p' "$CK")"
tail_to_log

at=$(sed -n 's/^pos //p' "$CK")
if [ -n "$DEST" ]; then
	. "$HERE/odps-demo-merge.sh"
	exit
fi
say "merge base + log at $at, and compare with the source"
# The source now (the load has stopped): a fresh snapshot, whose values
# tests/t6001 checks against SELECT.
mc-snapshot $MDB_ARGS --databases=shop --threads=2 >"$WORK/source-now.mcr"
printf '%-24s %10s %10s  %s\n' table source warehouse "identical rows"
bad=0
for t in $(sql "SELECT table_name FROM information_schema.tables WHERE table_schema='shop' ORDER BY 1"); do
	mc-merge --warehouse="$WH" --table="shop__$t" --at="$at" --output="$WORK/$t.state.mcr"
	mc-cat --to=csv --table="shop.$t" "$WORK/$t.state.mcr" | sort >"$WORK/$t.warehouse.csv"
	mc-cat --to=csv --table="shop.$t" "$WORK/source-now.mcr" | sort >"$WORK/$t.source.csv"
	src=$(($(wc -l <"$WORK/$t.source.csv") - 1))
	got=$(($(wc -l <"$WORK/$t.warehouse.csv") - 1))
	if cmp -s "$WORK/$t.source.csv" "$WORK/$t.warehouse.csv"; then
		same=yes
	else
		same=NO
		bad=1
	fi
	printf '%-24s %10s %10s  %s\n' "shop.$t" "$src" "$got" "$same"
done
say "warehouse: $WH (docs/warehouse.md); work files: $WORK"
[ $bad -eq 0 ] || die "the warehouse differs from the source"

#!/bin/sh
# pipelines/full-and-incremental.sh: the main job of mcsync as a shell
# pipeline: snapshot -> base, binlog -> log, merge.
#
#   pipelines/full-and-incremental.sh            the demo on the embedded default
#
# With no configuration it runs the demo: it starts a throwaway MariaDB on a
# private socket (no TCP port), loads sample data covering every column type,
# snapshots it into ./warehouse (the base), runs a write load (inserts,
# updates, key-changing updates, deletes), reads the changes from the
# server as a replica into the warehouse (the log), merges base + log at the last
# change, compares every table row by row and value by value with the source
# (a fresh snapshot once the load has stopped), prints a summary and stops the
# server. Work files go to $MCSYNC_WORK (default
# ./mcsync-demo), the warehouse to $MCSYNC_WAREHOUSE (default ./warehouse).
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

say() { printf '%s\n' "== $*" >&2; }
die() { printf 'full-and-incremental: %s\n' "$*" >&2; exit 1; }

for p in mc-snapshot mc-binlog-tail mc-tunnel-put mc-merge mc-cat; do
	command -v "$p" >/dev/null || die "no $p in $BIN: run 'make' first"
done
# Start afresh, but only over what an earlier demo made.
for d in "$WORK" "$WH"; do
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

say "loading sample data: $ROWS rows per table, every column type"
sql "$(sed "s/@ROWS@/$ROWS/g" "$HERE/demo-data.sql")" || die "loading the sample data failed"

say "snapshot -> base"
mc-snapshot $MDB_ARGS --databases=shop --threads=2 --chunk-rows=500 \
	--checkpoint="$WORK/snapshot.ckpt" >"$WORK/snapshot.mcr"
mc-tunnel-put --dest="$WH" --checkpoint-out="$WORK/sink.ckpt" "$WORK/snapshot.mcr"

say "write load: $CHANGES transactions"
"$HERE/demo-load.sh" "$CHANGES" >"$WORK/load.sql"
sql "source $WORK/load.sql" || die "the write load failed"
sql "FLUSH BINARY LOGS" >/dev/null

# The tail starts at the lowest watermark of the snapshot's chunks: every
# change a chunk missed is after it, and what a chunk saw already is applied
# again with the same result (docs/merge.md).
lo=$(mc-cat --to=summary "$WORK/snapshot.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
set -- $lo
first=$(printf 'mysql-bin.%06d' "$1")
say "binlog from $first:$2, as a replica -> log"
mc-binlog-tail $MDB_ARGS --server-id=$((MDB_SERVER_ID + 1)) --tables='^shop\.' \
	--start="$first:$2" --stop-at-end >"$WORK/changes.mcr"
mc-tunnel-put --dest="$WH" --checkpoint-out="$WORK/sink.ckpt" "$WORK/changes.mcr"

at=$(mc-cat --to=summary "$WORK/changes.mcr" | sed -n 's/^positions: .* \.\. //p')
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

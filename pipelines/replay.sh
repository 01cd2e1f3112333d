#!/bin/sh
# pipelines/replay.sh: replay saved record streams (snapshot and change
# files: mcr, JSON lines, zstd or not) into a local warehouse, then merge
# the days they made mergeable.
#
#   pipelines/replay.sh [--dest=DIR] [--ds=YYYYMMDD] [--fresh] [--no-merge]
#                       [--key=TABLE:COL[,COL]]... [--utc-offset=+HH:MM] FILE...
#
# 1. check: every FILE is read whole first (mc-cat --to=summary); a bad one stops
#    the replay before anything is written (exit 1, the file and byte
#    offset named);
# 2. load: mc-tunnel-put --dest=DIR FILE... (idempotent: a rerun, also after
#    SIGKILL, skips what the warehouse has committed and ends with the same
#    files);
# 3. merge: for each table the files hold, every day whose cut the ledger
#    has and that has no complete partition yet, oldest first, after the
#    table's first complete partition (mc-merge --ds=D); --ds=D stops at D;
# 4. a summary: one line per table.
#
# --fresh replays into DIR.replay-new and, once all of it succeeded, swaps
# it in for DIR (atomically where the file system can exchange two
# directories, else two renames); DIR stays as it was until then. A killed
# --fresh replay continues in DIR.replay-new when rerun with the same files
# (DIR.replay-inputs: their names, sizes and times); with others it stops,
# exit 1, saying to remove DIR.replay-new.
# Docs: docs/pipelines.md.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
BIN=${MCSYNC_BIN:-$TOP/build}
PATH=$BIN:$PATH
ME=replay

usage() {
	cat <<'EOF'
Usage: pipelines/replay.sh [OPTION]... FILE...
Replay saved record streams (snapshot and change files: mcr or JSON lines,
zstd-compressed or not) into a local warehouse with mc-tunnel-put, then
build the day partitions they made mergeable with mc-merge, and print a
summary. Every FILE is checked whole before anything is written.

  --dest=DIR              the warehouse (default ./warehouse)
  --ds=YYYYMMDD           merge the missing days up to this one only
  --no-merge              load only
  --fresh                 replay into DIR.replay-new and swap it in for DIR
                          once everything succeeded (DIR is untouched until
                          then; a rerun continues a killed one)
  --key=TABLE:COL[,COL]   the key of warehouse table TABLE for mc-merge,
                          when the table has none (repeatable)
  --utc-offset=+HH:MM     the offset days are counted in (a new warehouse)
  -h, --help              show this help and exit

A rerun with the same files changes nothing: mc-tunnel-put skips what was
committed, and days that have a complete partition are not merged again.
Exit status: 0 ok; 1 bad input or a failed stage (the message names it);
2 usage error; 3 the warehouse is locked by another writer.
Manual: docs/pipelines.md.
EOF
}

say() { printf '%s\n' "== $*" >&2; }
die() { # CODE MESSAGE
	printf '%s: %s\n' "$ME" "$2" >&2
	exit "$1"
}
usage_error() {
	printf '%s: %s\n' "$ME" "$1" >&2
	printf "Try 'pipelines/replay.sh --help' for more information.\n" >&2
	exit 2
}

# swap: put the complete warehouse DIR.replay-new in DIR's place. The file
# DIR.replay-swap, written before, holds the new one's device:inode (a rename
# keeps it), so a rerun after a kill at any step knows which directory is
# which and finishes the swap.
exchange() { # A B: exchange two directories atomically (Linux renameat2)
	python3 - "$1" "$2" 2>/dev/null <<'PY'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD, RENAME_EXCHANGE = -100, 2
a, b = (os.fsencode(p) for p in sys.argv[1:3])
if libc.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) != 0:
    sys.exit(1)
fd = os.open(os.path.dirname(os.path.abspath(sys.argv[2])), os.O_RDONLY)
os.fsync(fd)
PY
}
swap() {
	_new=$(cat "$dest.replay-swap")
	_ino() { stat -c %d:%i "$1" 2>/dev/null; }
	if [ "$(_ino "$dest")" != "$_new" ]; then
		[ "$(_ino "$dest.replay-new")" = "$_new" ] ||
			die 1 "$dest.replay-swap names neither $dest nor $dest.replay-new: move them away"
		if [ ! -e "$dest" ]; then
			mv -T "$dest.replay-new" "$dest" || die 1 "cannot rename $dest.replay-new to $dest"
		elif [ ! -e "$dest.replay-old" ] && exchange "$dest.replay-new" "$dest"; then
			: # the old warehouse is DIR.replay-new now
		else
			# no atomic exchange here: two renames (DIR is missing in between)
			if [ ! -e "$dest.replay-old" ]; then
				mv -T "$dest" "$dest.replay-old" || die 1 "cannot move $dest aside"
			fi
			mv -T "$dest.replay-new" "$dest" || die 1 "cannot rename $dest.replay-new to $dest"
		fi
	fi
	# DIR is the new warehouse: the old one goes
	rm -rf "$dest.replay-new" "$dest.replay-old" && rm -f "$dest.replay-swap" "$dest.replay-inputs"
}

dest=./warehouse ds= fresh=0 merge=1 keys= utc=
while [ $# -gt 0 ]; do
	case $1 in
	--dest=?*) dest=${1#--dest=} ;;
	--ds=*)
		ds=${1#--ds=}
		case $ds in
		[0-9][0-9][0-9][0-9][01][0-9][0-3][0-9]) ;;
		*) usage_error "bad --ds '$ds' (YYYYMMDD)" ;;
		esac ;;
	--fresh) fresh=1 ;;
	--no-merge) merge=0 ;;
	--key=*:?*)
		k=${1#--key=}
		case ${k%%:*} in
		'' | *[!A-Za-z0-9_]*) usage_error "bad --key '$k' (TABLE:COL[,COL])" ;;
		esac
		keys="$keys $k" ;;
	--utc-offset=*) utc=$1 ;;
	-h | --help) usage; exit 0 ;;
	--) shift; break ;;
	-?*) usage_error "unknown option '$1'" ;;
	*) break ;;
	esac
	shift
done
[ $# -gt 0 ] || usage_error "no FILE to replay"
for p in mc-tunnel-put mc-merge mc-cat; do
	command -v "$p" >/dev/null || die 1 "no $p in $BIN: run 'make' first"
done
for f in "$@"; do
	[ "$f" != - ] || usage_error "standard input cannot be replayed (it is read twice): save it to a file"
	[ -f "$f" ] || die 1 "$f: no such file"
done

# 1. check every file whole before writing anything
work=$(mktemp -d "${TMPDIR:-/tmp}/mcreplay.XXXXXX") || die 1 "cannot make a temporary directory"
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
say "checking $# file(s)"
: >"$work/tables"
for f in "$@"; do
	if ! mc-cat --to=summary "$f" >"$work/summary" 2>"$work/err"; then
		# mc-cat names the file, the record and the byte offset
		die 1 "$(head -1 "$work/err") (nothing replayed)"
	fi
	# the tables of the summary: "db.table  snapshot insert update delete schema ddl"
	awk 'NF == 7 && $1 ~ /\./ && $2 ~ /^[0-9]+$/ {print $1}' "$work/summary" >>"$work/tables"
done
sort -u "$work/tables" -o "$work/tables"

# where to write
target=$dest
if [ $fresh -eq 1 ]; then
	target=$dest.replay-new
	if [ -f "$dest.replay-swap" ]; then
		say "finishing the swap a killed replay began"
		swap
	fi
	[ -e "$dest.replay-old" ] && die 1 "$dest.replay-old exists and no swap is under way: move it away"
	# the files a fresh replay was begun with (name, size, time): a rerun
	# continues it only with the same, never a mixture of two replays
	for f in "$@"; do
		stat -c '%s %Y' -- "$f" && printf '%s\n' "$f"
	done >"$work/inputs" || die 1 "cannot stat the files"
	if [ -d "$target" ]; then
		cmp -s "$work/inputs" "$dest.replay-inputs" ||
			die 1 "$target was begun by a replay of other files (or they changed since: $dest.replay-inputs): remove $target and $dest.replay-inputs to start the fresh replay again"
		say "continuing the fresh replay in $target"
	else
		cp "$work/inputs" "$dest.replay-inputs.tmp" &&
			mv -f "$dest.replay-inputs.tmp" "$dest.replay-inputs" ||
			die 1 "cannot write $dest.replay-inputs"
	fi
fi

# 2. load
say "loading into $target"
mc-tunnel-put --dest="$target" $utc "$@" 2>"$work/err"
rc=$?
if [ $rc -ne 0 ]; then
	sed "s/^/$ME: /" "$work/err" >&2
	die $rc "loading failed (exit $rc); the warehouse keeps its last commit, rerun to continue"
fi
cat "$work/err" >&2

# 3. merge
ledger=$target/_mcsync/ledger
days=$(sed -n 's/^cut\.\([0-9]\{8\}\) .*/\1/p' "$ledger" 2>/dev/null | sort)
printf '%-32s %-8s %-8s %10s  %s\n' table first-ds last-ds rows "merged now" >"$work/report"
# each source table's warehouse name, from the ledger (name.DB.TABLE, or
# name.hex.HEXDB.HEXTABLE): DB__TABLE only by default; mc-transform's
# streams, --name and the rules' names give others
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
while read -r st; do
	[ -n "$st" ] || continue
	db=${st%%.*} tb=${st#*.}
	# a shard of mc-transform's many -> one (merge rules): its table
	# field is DEST/TABLE, and the ledger names the source table TABLE
	case $tb in */*) tb=${tb#*/} st=$db.$tb ;; esac
	name=$(awk -v a="name.$st" -v b="name.hex.$(hex "$db").$(hex "$tb")" \
		'($1 == a || $1 == b) && NF == 2 {print $2; exit}' "$ledger" 2>/dev/null)
	[ -n "$name" ] || name=$(printf '%s' "$st" | sed 's/\./__/')
	printf '%s %s\n' "$name" "$st"
done <"$work/tables" | sort -u -k1,1 >"$work/names"
while read -r name st; do
	[ -n "$name" ] || continue
	case $name in *[!A-Za-z0-9_]*) say "$st: not a plain name, not merged"; continue ;; esac
	key=
	for k in $keys; do [ "${k%%:*}" = "$name" ] && key=--key=${k#*:}; done
	first=$(ls -d "$target/$name"/ds=*/_SUCCESS 2>/dev/null | sed 's|.*/ds=\([0-9]\{8\}\)/_SUCCESS$|\1|' | sort | head -1)
	merged=
	if [ $merge -eq 1 ] && [ -n "$first" ]; then
		for d in $days; do
			[ "$d" -gt "$first" ] || continue
			[ -z "$ds" ] || [ "$d" -le "$ds" ] || break
			[ -f "$target/$name/ds=$d/_SUCCESS" ] && continue
			mc-merge --warehouse="$target" --table="$name" --ds="$d" $key 2>"$work/err"
			rc=$?
			if [ $rc -ne 0 ]; then
				sed "s/^/$ME: /" "$work/err" >&2
				die $rc "merging $name ds=$d failed (exit $rc)"
			fi
			merged="$merged $d"
		done
	fi
	last=$(ls -d "$target/$name"/ds=*/_SUCCESS 2>/dev/null | sort | tail -1)
	if [ -n "$last" ]; then
		n=$(sed -n 's/^rows //p' "$last")
		lastd=$(echo "$last" | sed 's|.*/ds=\([0-9]\{8\}\)/_SUCCESS$|\1|')
	else
		n=- lastd=-
	fi
	printf '%-32s %-8s %-8s %10s  %s\n' "$name" "${first:--}" "$lastd" "$n" "${merged:-none}" >>"$work/report"
done <"$work/names"

# --fresh: swap the complete new warehouse in
if [ $fresh -eq 1 ]; then
	stat -c %d:%i "$target" >"$dest.replay-swap.tmp" &&
		mv -f "$dest.replay-swap.tmp" "$dest.replay-swap" || die 1 "cannot write $dest.replay-swap"
	swap
	target=$dest
fi

cat "$work/report"
say "warehouse: $target; ledger position $(sed -n 's/^pos //p' "$target/_mcsync/ledger")"
exit 0

#!/bin/sh
# pipelines/merge-daily.sh: the daily (T+1) merge of every table, for cron or
# systemd's mcsync-merge.timer:
#
#   mc-merge --warehouse=$MCSYNC_DEST --all --ds=YESTERDAY --jobs=$MCSYNC_JOBS
#
# YESTERDAY is the day before today in $MCSYNC_TZ (default UTC; set it to
# the zone of the warehouse's --utc-offset, e.g. Asia/Shanghai for +08:00;
# a zone that does not exist is refused, exit 2), or $MCSYNC_DS to merge
# another day (a backfill). With MCSYNC_STATE and MCSYNC_ODPS set, the
# merge runs in MaxCompute instead:
#   mc-merge --dest=$MCSYNC_ODPS --state=$MCSYNC_STATE --all --ds=...
#   (MCSYNC_ODPS_ARGS: --odps-config=FILE and the like)
# Exit status: mc-merge --all's: 0 every table merged; 3 only tables locked
# or out of reach (try again later); 1 otherwise, each failed table named
# on standard error. "has not reached the end of D" (exit 1) means the
# tail has not committed a change or heartbeat past midnight yet: the
# merge runs too early, or the tail is down.
set -u
[ -n "${MCSYNC_BIN:-}" ] && PATH=$MCSYNC_BIN:$PATH
# MCSYNC_TZ must name a zone that exists: `date` takes an unknown name
# (Asia/Shangai) for UTC without a word, which would merge the wrong day.
# It is a TZif file under $TZDIR (default /usr/share/zoneinfo), as the C
# library looks it up, or an absolute path to one, or UTC, or a POSIX TZ
# string with its offset (CST-8, <+08>-8, EST5EDT).
tz=${MCSYNC_TZ:-UTC}
zone=${tz#:}
case $zone in /*) zfile=$zone ;; *) zfile=${TZDIR:-/usr/share/zoneinfo}/$zone ;; esac
if [ "$zone" != UTC ] && [ "$(head -c 4 "$zfile" 2>/dev/null)" != TZif ] &&
	! printf '%s\n' "$zone" | grep -Eq '^(<[A-Za-z0-9+-]+>|[A-Za-z]{3,})[+-]?[0-9]{1,2}(:[0-9]{2}){0,2}([A-Za-z<][^/]*)?$'; then
	echo "merge-daily: MCSYNC_TZ='$tz': no such time zone ($zfile is no zone file; zones are looked up under \$TZDIR, default /usr/share/zoneinfo, from the tzdata package)" >&2
	exit 2
fi
ds=${MCSYNC_DS:-$(TZ=$tz date -d yesterday +%Y%m%d)} || exit 2
if [ -n "${MCSYNC_ODPS:-}" ]; then
	[ -n "${MCSYNC_STATE:-}" ] || { echo "merge-daily: set MCSYNC_STATE to mc-tunnel-put's --state directory" >&2; exit 2; }
	# shellcheck disable=SC2086 # a word list on purpose
	exec mc-merge --dest="$MCSYNC_ODPS" --state="$MCSYNC_STATE" --all --ds="$ds" \
		--jobs="${MCSYNC_JOBS:-2}" ${MCSYNC_ODPS_ARGS:-} ${MCSYNC_MERGE_ARGS:-}
fi
[ -n "${MCSYNC_DEST:-}" ] || { echo "merge-daily: set MCSYNC_DEST to the warehouse directory" >&2; exit 2; }
# shellcheck disable=SC2086
exec mc-merge --warehouse="$MCSYNC_DEST" --all --ds="$ds" --jobs="${MCSYNC_JOBS:-2}" \
	${MCSYNC_MERGE_ARGS:-}

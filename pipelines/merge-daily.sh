#!/bin/sh
# pipelines/merge-daily.sh: the daily (T+1) merge of every table, for cron or
# systemd's mcsync-merge.timer. It catches up: each day from
# $MCSYNC_CATCHUP_DAYS days back (default 7) up to yesterday, oldest first,
#
#   mc-merge --warehouse=$MCSYNC_DEST --all --ds=DAY --jobs=$MCSYNC_JOBS --skip-merged
#
# so that a day that failed (the tail down: "has not reached the end of D")
# is merged by the next run, without a backfill by hand. --skip-merged
# makes a day already merged cost nothing (its partition is left as it is)
# and a day before a table's snapshot nothing to do. A day that fails does
# not stop the days after it (with --all, the other tables' days go on; a
# table's later day is made from its newest full partition before it, as
# always, and the failed day is merged by a later run); the run ends with
# one line naming the days that failed. MCSYNC_CATCHUP_DAYS=1 is only
# yesterday, without --skip-merged (the behaviour before catching up: a
# rerun remakes it).
#
# YESTERDAY is the day before today in $MCSYNC_TZ (default UTC; set it to
# the zone of the warehouse's --utc-offset, e.g. Asia/Shanghai for +08:00;
# a zone that does not exist is refused, exit 2). $MCSYNC_DS merges that
# one day instead (a backfill: exactly that day, remade if merged, no
# catching up). $MCSYNC_TODAY=YYYYMMDD takes that day for today (tests, or
# a run that must act as on another day). With MCSYNC_STATE and
# MCSYNC_ODPS set, the merge runs in MaxCompute instead:
#   mc-merge --dest=$MCSYNC_ODPS --state=$MCSYNC_STATE --all --ds=... [--skip-merged]
#   (MCSYNC_ODPS_ARGS: --odps-config=FILE and the like)
# Exit status: 0 every table merged for every day; 1 a day failed (each
# failed table named on standard error by mc-merge --all; or mc-merge's
# own status if it died); 3 only tables locked or out of reach on the days
# that failed (try again later); 2 a bad setting (MCSYNC_TZ,
# MCSYNC_CATCHUP_DAYS, MCSYNC_TODAY, MCSYNC_DS) or mc-merge's usage error
# (the same for every day: the run stops there). "has not reached the end
# of D" (exit 1) means the tail has not committed a change or heartbeat
# past midnight yet: the merge runs too early, or the tail is down; the
# next run merges D then.
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
# one day, YYYYMMDD, that `date` takes for one: the same day again
ymd_ok() {
	printf '%s\n' "$1" | grep -Eq '^[0-9]{8}$' &&
		[ "$(date -u -d "$1" +%Y%m%d 2>/dev/null)" = "$1" ]
}
if [ -n "${MCSYNC_DS:-}" ]; then
	ymd_ok "$MCSYNC_DS" || { echo "merge-daily: MCSYNC_DS='$MCSYNC_DS': not a day (want YYYYMMDD)" >&2; exit 2; }
	first=0 skip=
else
	today=${MCSYNC_TODAY:-$(TZ=$tz date +%Y%m%d)} || exit 2
	ymd_ok "$today" || { echo "merge-daily: MCSYNC_TODAY='$today': not a day (want YYYYMMDD)" >&2; exit 2; }
	first=${MCSYNC_CATCHUP_DAYS:-7}
	if ! printf '%s\n' "$first" | grep -Eq '^[0-9]{1,3}$' || [ "$first" -lt 1 ] || [ "$first" -gt 366 ]; then
		echo "merge-daily: MCSYNC_CATCHUP_DAYS='$first': want a number of days from 1 (only yesterday) to 366" >&2
		exit 2
	fi
	skip=--skip-merged
	[ "$first" = 1 ] && skip=
fi
if [ -n "${MCSYNC_ODPS:-}" ]; then
	[ -n "${MCSYNC_STATE:-}" ] || { echo "merge-daily: set MCSYNC_STATE to mc-tunnel-put's --state directory" >&2; exit 2; }
else
	[ -n "${MCSYNC_DEST:-}" ] || { echo "merge-daily: set MCSYNC_DEST to the warehouse directory" >&2; exit 2; }
fi
# the days, oldest first: calendar days before today (UTC arithmetic on
# dates, whatever the zone), or MCSYNC_DS
i=$first
worst=0 failed=
while :; do
	if [ "$first" = 0 ]; then
		ds=$MCSYNC_DS
	else
		ds=$(date -u -d "$today -$i days" +%Y%m%d) || exit 2
	fi
	if [ -n "${MCSYNC_ODPS:-}" ]; then
		# shellcheck disable=SC2086 # a word list on purpose
		mc-merge --dest="$MCSYNC_ODPS" --state="$MCSYNC_STATE" --all --ds="$ds" \
			--jobs="${MCSYNC_JOBS:-2}" $skip ${MCSYNC_ODPS_ARGS:-} ${MCSYNC_MERGE_ARGS:-}
	else
		# shellcheck disable=SC2086
		mc-merge --warehouse="$MCSYNC_DEST" --all --ds="$ds" --jobs="${MCSYNC_JOBS:-2}" \
			$skip ${MCSYNC_MERGE_ARGS:-}
	fi
	rc=$?
	[ $rc -eq 2 ] && exit 2 # a usage error: the same for every day
	if [ $rc -ne 0 ]; then
		failed="$failed $ds"
		# 1 (or a death) before 3 (locked, out of reach: later), the first kept
		if [ $worst -eq 0 ] || { [ $worst -eq 3 ] && [ $rc -ne 3 ]; }; then
			worst=$rc
		fi
	fi
	i=$((i - 1))
	[ "$i" -ge 1 ] || break
done
if [ -n "$failed" ] && [ "$first" -gt 1 ]; then
	echo "merge-daily: not merged:$failed (exit $worst; the other days were merged or were already): the next run tries them again" >&2
fi
exit $worst

#!/bin/sh
# pipelines/systemd units, tail-service.sh and merge-daily.sh: the units
# pass systemd-analyze verify; the tail service's one exit status is the
# failing stage's (1 and 2 stop a restart, 3 asks for one); the daily
# merge merges every table of yesterday, or MCSYNC_DS.
. "$(dirname "$0")/lib.sh"

P=$TOP/pipelines
PATH=$BIN:$PATH
export PATH

# --- the units, with the paths of this tree ---
mkdir -p "$T/units"
for u in mcsync-tail.service mcsync-merge.service mcsync-merge.timer; do
	sed "s|/usr/lib/mcsync/pipelines|$P|; s|/etc/mcsync/mcsync.env|$P/systemd/mcsync.env|;
	     s|^User=mcsync|User=root|; s|^Group=mcsync|Group=root|" "$P/systemd/$u" >"$T/units/$u"
done
(cd "$T/units" && systemd-analyze verify --man=no ./mcsync-tail.service ./mcsync-merge.service \
	./mcsync-merge.timer) >"$T/verify" 2>&1
expect_ok "systemd-analyze verify: exit 0" test $? -eq 0
expect_ok "and no warning" test ! -s "$T/verify" || sed 's/^/#   /' "$T/verify"
expect_grep "the tail's unit does not restart exit 1 or 2" '^RestartPreventExitStatus=1 2$' "$P/systemd/mcsync-tail.service"
expect_grep "but restarts on failure (exit 3)" '^Restart=on-failure$' "$P/systemd/mcsync-tail.service"

# --- tail-service.sh ---
FX=$TOP/tests/fixtures/binlog/generated-here-mariadb-10.11
svc() { # expected-status description env...
	want=$1 desc=$2
	shift 2
	expect_code "$want" "$desc" env MCSYNC_DEST="$T/w" "$@" "$P/tail-service.sh"
}
svc 0 "a binlog file through the service: exit 0" MCSYNC_TAIL_ARGS="$FX/mariadb-bin.000001"
expect_ok "the warehouse got its changes" test -f "$T/w/t__alltypes_log/_SUCCESS" -o -d "$T/w/t__alltypes_log"
expect_ok "and the checkpoint file" test -s "$T/w.ckpt"
head -c 3000 "$FX/mariadb-bin.000001" >"$T/cut.000001"
svc 1 "a damaged binlog (the tail's exit 1): exit 1" MCSYNC_DEST="$T/w2" MCSYNC_TAIL_ARGS="$T/cut.000001"
expect_grep "naming both stages" "tail-service: mc-binlog-tail exit 1, mc-tunnel-put exit [0-9]*: exit 1" "$T/err"
svc 3 "a server out of reach (the tail's exit 3, the sink's 1 for the missing trailer): exit 3" \
	MCSYNC_DEST="$T/w3" MCSYNC_TAIL_ARGS="--socket=$T/nosock --retry-time=0 --server-id=5 --start=mariadb-bin.000001:4"
expect_grep "said" "mc-binlog-tail exit 3, mc-tunnel-put exit 1: exit 3" "$T/err"
svc 2 "a bad sink option (the sink's exit 2): exit 2" MCSYNC_DEST="$T/w4" \
	MCSYNC_TAIL_ARGS="$FX/mariadb-bin.000001" MCSYNC_PUT_ARGS=--no-such-option
svc 2 "no MCSYNC_TAIL_ARGS: exit 2" MCSYNC_TAIL_ARGS=
svc 2 "a program missing (127): exit 2" MCSYNC_BIN=/nonexistent PATH=/usr/bin:/bin MCSYNC_TAIL_ARGS=x

# --- merge-daily.sh ---
"$BIN/tools/mcgen" sysbench 300 >"$T/sb.mcr" && "$BIN/tools/mcgen" changes 300 80 >"$T/ch.mcr" &&
	mc-tunnel-put --dest="$T/m" "$T/sb.mcr" "$T/ch.mcr" 2>"$T/err" || fail "load" "$(cat "$T/err")"
expect_ok "merge-daily.sh MCSYNC_DS=20251122" env MCSYNC_DEST="$T/m" MCSYNC_DS=20251122 "$P/merge-daily.sh"
expect_ok "made the day's partition" test -f "$T/m/sbtest__sbtest1/ds=20251122/_SUCCESS"
today=$(TZ=Asia/Shanghai date +%Y%m%d)
y=$(date -u -d "$today -1 day" +%Y%m%d) w=$(date -u -d "$today -7 days" +%Y%m%d)
expect_code 1 "yesterday (MCSYNC_TZ) is past this log's end: exit 1" env MCSYNC_DEST="$T/m" \
	MCSYNC_TZ=Asia/Shanghai MCSYNC_CATCHUP_DAYS=1 "$P/merge-daily.sh"
expect_grep "for yesterday in MCSYNC_TZ ($y)" "has not reached the end of $y" "$T/err"
expect_code 1 "catching up (7 days by default): the oldest day fails first, exit 1" \
	env MCSYNC_DEST="$T/m" MCSYNC_TZ=Asia/Shanghai "$P/merge-daily.sh"
expect_grep "... named ($w)" "has not reached the end of $w" "$T/err"
expect_grep "... yesterday too ($y)" "has not reached the end of $y" "$T/err"
expect_grep "... the days named in the last line" "^merge-daily: not merged: $w .* $y \\(exit 1;" "$T/err"
expect_code 2 "no MCSYNC_DEST: exit 2" env -u MCSYNC_DEST "$P/merge-daily.sh"

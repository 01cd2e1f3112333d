#!/bin/sh
# pipelines/merge-daily.sh refuses an MCSYNC_TZ that names no zone (exit 2,
# one line naming the value and where zones are looked up) before anything
# runs: `TZ=Asia/Shangai date` is UTC without a word, so the merge once ran
# for the wrong day. Zones that exist (a TZ database name, an absolute
# path, UTC, a POSIX TZ string) still work. The days merged: the last
# MCSYNC_CATCHUP_DAYS up to yesterday there (catching up on failed days),
# or MCSYNC_DS; MCSYNC_TODAY sets today.
. "$(dirname "$0")/lib.sh"
P=$TOP/pipelines
need date head grep
# a fake mc-merge that records its arguments
mkdir -p "$T/fake"
printf '#!/bin/sh\necho "$@" >>"%s/ran"\n' "$T" >"$T/fake/mc-merge"
chmod +x "$T/fake/mc-merge"
run() { env MCSYNC_BIN="$T/fake" MCSYNC_DEST="$T/w" "$@" "$P/merge-daily.sh"; }

for z in Asia/Shangai Shanghai Asia zone.tab /nonexistent/Zone; do
	rm -f "$T/ran"
	expect_code 2 "MCSYNC_TZ=$z: exit 2" run MCSYNC_TZ="$z"
	case $z in /*) f=$z ;; *) f=/usr/share/zoneinfo/$z ;; esac
	expect_eq "... one line naming the value and where zones are looked up" "$(cat "$T/err")" \
		"merge-daily: MCSYNC_TZ='$z': no such time zone ($f is no zone file; zones are looked up under \$TZDIR, default /usr/share/zoneinfo, from the tzdata package)"
	expect_ok "... before anything runs" test ! -e "$T/ran"
done
rm -f "$T/ran"
expect_code 2 "also with MCSYNC_DS (a backfill) and the MaxCompute merge" run MCSYNC_TZ=Europe/Berlinn \
	MCSYNC_DS=20250101 MCSYNC_ODPS=odps://p MCSYNC_STATE="$T/s"
expect_grep "... naming it" "^merge-daily: MCSYNC_TZ='Europe/Berlinn': no such time zone" "$T/err"
expect_ok "... nothing ran" test ! -e "$T/ran"
mkdir -p "$T/zi/Mars"
cp /usr/share/zoneinfo/Asia/Shanghai "$T/zi/Mars/Olympus"
expect_code 2 "\$TZDIR is where zones are looked up" run TZDIR="$T/zi" MCSYNC_TZ=Asia/Shanghai
expect_grep "... and named" "\\($T/zi/Asia/Shanghai is no zone file" "$T/err"

# zones that exist: yesterday in that zone (the day before today there);
# by default the 7 days up to it are merged, oldest first, each with
# --skip-merged (a day merged already costs nothing); MCSYNC_CATCHUP_DAYS=1
# is yesterday alone, as before catching up
yday() { date -u -d "$(TZ=$1 date +%Y%m%d) -${2:-1} days" +%Y%m%d; } # ZONE [DAYS BACK]
for z in Asia/Shanghai :Asia/Shanghai /usr/share/zoneinfo/Asia/Shanghai CST-8 "<+08>-8" UTC UTC0 Europe/Berlin; do
	case $z in Europe/*) zz=Europe/Berlin ;; UTC*) zz=UTC ;; *) zz=Asia/Shanghai ;; esac
	rm -f "$T/ran"
	expect_ok "MCSYNC_TZ=$z runs" run MCSYNC_TZ="$z"
	expect_eq "... for the 7 days up to yesterday there, oldest first" "$(cat "$T/ran")" "$(
		for i in 7 6 5 4 3 2 1; do echo "--warehouse=$T/w --all --ds=$(yday $zz $i) --jobs=2 --skip-merged"; done)"
	rm -f "$T/ran"
	expect_ok "MCSYNC_TZ=$z MCSYNC_CATCHUP_DAYS=1 runs" run MCSYNC_TZ="$z" MCSYNC_CATCHUP_DAYS=1
	expect_eq "... for yesterday there" "$(cat "$T/ran")" "--warehouse=$T/w --all --ds=$(yday $zz) --jobs=2"
done
rm -f "$T/ran"
expect_ok "MCSYNC_TZ unset: UTC" run MCSYNC_CATCHUP_DAYS=1
expect_eq "... yesterday in UTC" "$(cat "$T/ran")" "--warehouse=$T/w --all --ds=$(yday UTC) --jobs=2"
rm -f "$T/ran"
expect_ok "a zone under \$TZDIR" run TZDIR="$T/zi" MCSYNC_TZ=Mars/Olympus MCSYNC_CATCHUP_DAYS=1
expect_eq "... is used" "$(cat "$T/ran")" "--warehouse=$T/w --all --ds=$(yday Asia/Shanghai) --jobs=2"
rm -f "$T/ran"
expect_ok "MCSYNC_DS: that day alone, without --skip-merged" run MCSYNC_TZ=Asia/Shanghai MCSYNC_DS=20250101
expect_eq "... as given" "$(cat "$T/ran")" "--warehouse=$T/w --all --ds=20250101 --jobs=2"
rm -f "$T/ran"
expect_ok "MCSYNC_TODAY sets today; the MaxCompute merge catches up the same way" \
	run MCSYNC_TODAY=20260301 MCSYNC_CATCHUP_DAYS=3 MCSYNC_ODPS=odps://p MCSYNC_STATE="$T/s"
expect_eq "... across the end of February" "$(cat "$T/ran")" "--dest=odps://p --state=$T/s --all --ds=20260226 --jobs=2 --skip-merged
--dest=odps://p --state=$T/s --all --ds=20260227 --jobs=2 --skip-merged
--dest=odps://p --state=$T/s --all --ds=20260228 --jobs=2 --skip-merged"
for bad in MCSYNC_CATCHUP_DAYS=0 MCSYNC_CATCHUP_DAYS=x MCSYNC_CATCHUP_DAYS=367 MCSYNC_TODAY=2026-03-01 \
	MCSYNC_TODAY=20260230 MCSYNC_DS=2025011; do
	rm -f "$T/ran"
	expect_code 2 "$bad: exit 2" run "$bad"
	expect_grep "... naming it" "^merge-daily: ${bad%%=*}='${bad#*=}': " "$T/err"
	expect_ok "... before anything runs" test ! -e "$T/ran"
done
# a day that fails does not stop the days after it (the other tables'
# days go on); the status: 1 before 3, the line names the failed days
printf '#!/bin/sh\necho "$@" >>"%s/ran"\ncase "$*" in *--ds=20260227*) exit 3 ;; esac\n' "$T" >"$T/fake/mc-merge"
rm -f "$T/ran"
expect_code 3 "a day that fails (exit 3): its status" run MCSYNC_TODAY=20260301 MCSYNC_CATCHUP_DAYS=3
expect_eq "... the days after it run" "$(cut -d' ' -f3 "$T/ran" | tr '\n' ' ')" "--ds=20260226 --ds=20260227 --ds=20260228 "
expect_grep "... and said in one line" "^merge-daily: not merged: 20260227 \\(exit 3;" "$T/err"
printf '#!/bin/sh\necho "$@" >>"%s/ran"\ncase "$*" in *--ds=20260226*) exit 3 ;; *--ds=20260227*) exit 1 ;; esac\n' "$T" >"$T/fake/mc-merge"
rm -f "$T/ran"
expect_code 1 "a day locked (3), the next failed (1): exit 1" run MCSYNC_TODAY=20260301 MCSYNC_CATCHUP_DAYS=3
expect_eq "... every day run" "$(cut -d' ' -f3 "$T/ran" | tr '\n' ' ')" "--ds=20260226 --ds=20260227 --ds=20260228 "
expect_grep "... both named" "^merge-daily: not merged: 20260226 20260227 \\(exit 1;" "$T/err"
printf '#!/bin/sh\necho "$@" >>"%s/ran"\nexit 2\n' "$T" >"$T/fake/mc-merge"
rm -f "$T/ran"
expect_code 2 "mc-merge's usage error (2) stops the run" run MCSYNC_TODAY=20260301 MCSYNC_CATCHUP_DAYS=3
expect_eq "... at the first day" "$(cut -d' ' -f3 "$T/ran" | tr '\n' ' ')" "--ds=20260226 "

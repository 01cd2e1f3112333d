#!/bin/sh
# pipelines/merge-daily.sh refuses an MCSYNC_TZ that names no zone (exit 2,
# one line naming the value and where zones are looked up) before anything
# runs: `TZ=Asia/Shangai date` is UTC without a word, so the merge once ran
# for the wrong day. Zones that exist (a TZ database name, an absolute
# path, UTC, a POSIX TZ string) still work.
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

# zones that exist: yesterday in that zone
for z in Asia/Shanghai :Asia/Shanghai /usr/share/zoneinfo/Asia/Shanghai CST-8 "<+08>-8" UTC UTC0 Europe/Berlin; do
	rm -f "$T/ran"
	case $z in Europe/*) y=$(TZ=Europe/Berlin date -d yesterday +%Y%m%d) ;; UTC*) y=$(TZ=UTC date -d yesterday +%Y%m%d) ;;
	*) y=$(TZ=Asia/Shanghai date -d yesterday +%Y%m%d) ;; esac
	expect_ok "MCSYNC_TZ=$z runs" run MCSYNC_TZ="$z"
	expect_eq "... for yesterday there" "$(cat "$T/ran")" "--warehouse=$T/w --all --ds=$y --jobs=2"
done
rm -f "$T/ran"
expect_ok "MCSYNC_TZ unset: UTC" run
expect_eq "... yesterday in UTC" "$(cat "$T/ran")" "--warehouse=$T/w --all --ds=$(TZ=UTC date -d yesterday +%Y%m%d) --jobs=2"
rm -f "$T/ran"
expect_ok "a zone under \$TZDIR" run TZDIR="$T/zi" MCSYNC_TZ=Mars/Olympus
expect_eq "... is used" "$(cat "$T/ran")" "--warehouse=$T/w --all --ds=$(TZ=Asia/Shanghai date -d yesterday +%Y%m%d) --jobs=2"

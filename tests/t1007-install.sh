#!/bin/sh
# make install: the programs, their manual pages (made from docs/ by
# lowdown), the docs and the pipelines that run from an installed tree, in
# the places DESTDIR/PREFIX say; the installed programs run; each manual
# page renders without a warning (but squeezed tables) under its title.
. "$(dirname "$0")/lib.sh"

D=$T/root
make -s -C "$TOP" O="$O" install DESTDIR="$D" PREFIX=/usr >"$T/make.out" 2>&1
expect_ok "make install DESTDIR=... PREFIX=/usr" test $? -eq 0 || sed 's/^/#   /' "$T/make.out"
for p in mc-cat mc-binlog-tail mc-snapshot mc-transform mc-tunnel-put mc-merge; do
	expect_ok "$p is installed executable" test -x "$D/usr/bin/$p"
	expect_ok "$p's manual page is installed" test -s "$D/usr/share/man/man1/$p.1"
	# (a table too wide for 80 columns is only squeezed: "cannot adjust line")
	MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings -l "$D/usr/share/man/man1/$p.1" 2>&1 >"$T/page" |
		grep -v 'cannot adjust line' >"$T/warn"
	expect_ok "and renders without a warning" test ! -s "$T/warn" || sed 's/^/#   /' "$T/warn" | head -5
	first=$(sed -n 's/^# \(mc-[a-z-]*\).*/\1/p' "$TOP/docs/$p.md" | head -1)
	expect_ok "with the docs page's title ($first)" grep -q "$first" "$T/page"
	expect_ok "the docs page is installed" test -s "$D/usr/share/doc/mcsync/$p.md"
done
expect_ok "the installed mc-cat runs" "$D/usr/bin/mc-cat" --version
expect_grep "and names itself" '^mc-cat \(mcsync\) [0-9]' "$T/out"
"$BIN/tools/mcgen" corpus >"$T/c.mcr"
expect_ok "and reads a stream" "$D/usr/bin/mc-cat" --to=summary "$T/c.mcr"
for f in replay.sh tail-service.sh merge-daily.sh; do
	expect_ok "pipelines/$f is installed executable" test -x "$D/usr/lib/mcsync/pipelines/$f"
done
for f in mcsync-tail.service mcsync-merge.service mcsync-merge.timer mcsync.env; do
	expect_ok "the unit $f is installed" test -s "$D/usr/lib/mcsync/pipelines/systemd/$f"
done
expect_grep "the tail unit's ExecStart is where make install put the script" \
	"^ExecStart=/usr/lib/mcsync/pipelines/tail-service.sh" "$D/usr/lib/mcsync/pipelines/systemd/mcsync-tail.service"
expect_code 1 "the installed merge-daily.sh runs the installed mc-merge" \
	env PATH="$D/usr/bin:/usr/bin:/bin" MCSYNC_DEST="$T/nowh" MCSYNC_DS=20251122 "$D/usr/lib/mcsync/pipelines/merge-daily.sh"
expect_grep "(which names the missing warehouse's ledger)" "names no table" "$T/err"

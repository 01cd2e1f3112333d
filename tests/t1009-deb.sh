#!/bin/sh
# The Debian package: make deb builds it (dpkg-buildpackage -us -uc -b in a
# copy of the tree, here under $T, without make check); lintian finds no
# error in it; it installs with dpkg into a temporary root (an empty dpkg
# database, the libraries taken from this system) and the programs there
# run; it holds the manual pages, the docs, the pipelines and the
# copyright file that says no licence is chosen yet.
. "$(dirname "$0")/lib.sh"

B=$T/b
# DEB_BUILD_OPTIONS: no make check inside (this test is part of it);
# DEB_BUILD_PROFILES: nor its build dependencies (the servers)
DEB_BUILD_OPTIONS="nocheck parallel=2" DEB_BUILD_PROFILES=nocheck \
	timeout -k 5 600 make -C "$TOP" O="$B" deb >"$T/build.out" 2>&1
rc=$?
expect_eq "make deb builds the package" "$rc" 0 || { tail -20 "$T/build.out" | sed 's/^/#   /'; exit 1; }
deb=$(ls "$B"/deb/mcsync_*_*.deb 2>/dev/null | head -1)
expect_ok "the .deb is in \$O/deb" test -s "$deb" || exit 1
R0=$T/x
dpkg-deb -x "$deb" "$R0"
ver=$(sed -n 's/^VERSION := //p' "$TOP/Makefile")
expect_eq "its version is the Makefile's" "$(dpkg-deb -f "$deb" Version)" "$ver"
readelf -d "$R0/usr/bin/mc-cat" >"$T/dyn" 2>&1
readelf -W --dyn-syms "$R0/usr/bin/mc-cat" >"$T/syms" 2>&1
expect_grep "built with the distribution's hardening flags: bind now" 'FLAGS.*NOW' "$T/dyn"
expect_grep "... the stack protector" '__stack_chk_fail' "$T/syms"
expect_grep "... fortified functions" '__[a-z]*_chk' "$T/syms"
dpkg-deb -f "$deb" Depends >"$T/depends"
expect_grep "its Depends name the shared libraries the programs use" 'libmariadb3.*libzstd1' "$T/depends"
expect_grep "... and libcurl4, which the programs open by dlopen (no shlibs entry)" 'libcurl4 \(>= 7.68.0\)' "$T/depends"

# lintian leaves its ELF caches (mldbm-*) in $TMPDIR: under $T, removed with it
mkdir -p "$T/tmp"
TMPDIR=$T/tmp lintian --no-tag-display-limit "$B"/deb/mcsync_*.changes >"$T/lintian" 2>&1
grep '^E: ' "$T/lintian" >"$T/lint-e"
expect_eq "lintian: no error" "$(cat "$T/lint-e")" "" || sed 's/^/#   /' "$T/lint-e"
grep '^W: ' "$T/lintian" | sed 's/^/#   lintian: /'

R=$T/root
mkdir -p "$R/var/lib/dpkg/updates" "$R/var/lib/dpkg/info" && : >"$R/var/lib/dpkg/status"
# the libraries are this system's, not the temporary root's: --force-depends
expect_ok "dpkg -i into a temporary root" dpkg --root="$R" --log=/dev/null --force-depends \
	--force-not-root --force-script-chrootless -i "$deb"
dpkg --root="$R" -s mcsync >"$T/status" 2>&1
expect_grep "dpkg has it installed there" '^Status: install ok installed' "$T/status"
expect_ok "the installed mc-cat runs" "$R/usr/bin/mc-cat" --version
expect_grep "and names itself with the version" "^mc-cat \(mcsync\) $ver\$" "$T/out"
expect_ok "the installed mc-merge runs" "$R/usr/bin/mc-merge" --help
expect_grep "and shows its usage" '^Usage: mc-merge ' "$T/out"
for p in mc-cat mc-binlog-tail mc-snapshot mc-transform mc-tunnel-put mc-merge; do
	expect_ok "$p is there with its manual page" test -x "$R/usr/bin/$p" -a -s "$R/usr/share/man/man1/$p.1.gz"
done
expect_ok "the manual pages have a NAME section for whatis" sh -c "lexgrog '$R/usr/share/man/man1/mc-merge.1.gz' | grep -q 'mc-merge - '"
expect_ok "the pipelines are where the systemd units expect them" \
	test -x "$R/usr/lib/mcsync/pipelines/tail-service.sh" -a -s "$R/usr/lib/mcsync/pipelines/systemd/mcsync-tail.service"
expect_ok "the docs are there (compressed, as policy says)" test -s "$R/usr/share/doc/mcsync/mc-merge.md.gz"
expect_grep "the copyright file: DEP-5" '^Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/' "$R/usr/share/doc/mcsync/copyright"
expect_grep "... no licence chosen yet, all rights reserved" 'all rights are' "$R/usr/share/doc/mcsync/copyright"
expect_ok "the package's files are owned by root" sh -c "dpkg-deb -c '$deb' | awk '\$2 != \"root/root\" { bad = 1 } END { exit bad }'"

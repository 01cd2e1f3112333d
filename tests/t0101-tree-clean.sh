#!/bin/sh
# The tree as committed: no merge-conflict markers left in any file git
# tracks (a marker line in a docs page once went unnoticed).
. "$(dirname "$0")/lib.sh"
need git
if [ -d "$TOP/.git" ] || [ -f "$TOP/.git" ]; then
	git -C "$TOP" grep -n -I -E '^(<<<<<<< |>>>>>>> |=======$)' -- . ':!tests/t0101-tree-clean.sh' >"$T/markers"
	expect_ok "no merge-conflict markers in the tracked files" test ! -s "$T/markers" ||
		sed 's/^/#   /' "$T/markers" | head -10
else
	# a tree without git (an unpacked release): every file below the top
	grep -r -n -I -E '^(<<<<<<< |>>>>>>> |=======$)' --exclude=t0101-tree-clean.sh \
		--exclude-dir=build "$TOP" >"$T/markers"
	expect_ok "no merge-conflict markers in the tree" test ! -s "$T/markers" ||
		sed 's/^/#   /' "$T/markers" | head -10
fi

#!/bin/sh
# mc-tunnel-put --dest=odps://: a copy of the --state directory older than
# its last commit, put back (a backup restored, a volume snapshot rolled
# back), is refused before anything is committed (exit 1, naming the
# directory, the ledger's commit, the state mirror's and the way out):
# a copy taken after commit 1, commit 2 run, the copy put back and commit
# 2's input fed again used to put commit 2's changes into T_log twice, exit
# 0. The way out the message gives (--recover=WRITER into an empty
# directory, then the same input) leaves every row once. A commit in doubt
# (its journal in the directory, the mirror one commit ahead) is rolled
# forward or dropped as before; a copy taken while it was in doubt, put
# back after the original directory finished it, is refused too
# (docs/maxcompute.md "A state directory behind MaxCompute").
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
need python3
need curl
odps_srv
"$BIN/tools/mcgen" sysbench 300 >"$T/sb.mcr" && "$BIN/tools/mcgen" changes 300 200 >"$T/ch.mcr" ||
	{ fail "mcgen" "failed"; exit 1; }
rows() { $CLI sql "SELECT COUNT(*), COUNT(DISTINCT id) FROM $1" 2>&1 | sed 1d; }
wr() { sed -n 's/^writer //p' "$T/$1/_mcsync/odps"; }
lseq() { sed -n 's/^seq //p' "$T/$1/_mcsync/ledger"; }

# a clean load: what every row once is
expect_ok "a clean load of the snapshot" put c sc "$T/sb.mcr"
expect_ok "... then of the changes" put c sc "$T/ch.mcr"
want="$(rows c) $(rows c_log)"

# --- the copy put back ---
expect_ok "commit 1: the snapshot" put t st "$T/sb.mcr"
l1=$(lseq st)
cp -r "$T/st" "$T/st.copy"
expect_ok "commit 2: the changes" put t st "$T/ch.mcr"
l2=$(lseq st)
w=$(wr st)
rm -rf "$T/st"
mv "$T/st.copy" "$T/st"
expect_code 1 "the copy after commit 1 put back, commit 2's input again: exit 1" put t st "$T/ch.mcr"
expect_grep "... naming the directory, the ledger's commit and the mirror's" \
	"^mc-tunnel-put: ('[^']*': )?--state=$T/st is behind MaxCompute: its ledger is of commit $l1, the state mirror holds commit $l2 of its writer $w " "$T/err"
expect_grep "... and the way out" "nothing was committed: rebuild the state with --recover=$w into an empty --state \(not this one\), then run with that one$" "$T/err"
expect_eq "... one line" "$(wc -l <"$T/err")" "1"
expect_eq "... nothing doubled (T, T_log: the clean load's)" "$(rows t) $(rows t_log)" "$want"
expect_eq "... its ledger untouched" "$(lseq st)" "$l1"
expect_code 1 "again: exit 1 again" put t st "$T/ch.mcr"
expect_eq "... nothing doubled" "$(rows t) $(rows t_log)" "$want"

# --- the way out ---
expect_ok "--recover=WRITER into an empty directory" rec st2 "$w"
expect_eq "... its ledger is of the mirror's commit" "$(lseq st2)" "$l2"
expect_ok "commit 2's input again, with the recovered state" put t st2 "$T/ch.mcr"
expect_eq "... every row once" "$(rows t) $(rows t_log)" "$want"

# --- a commit in doubt: its journal in the directory, the mirror one
# commit ahead. The changes are commits 2 (the mirror's session, one data
# session) and 3 (the mirror's, three data sessions) ---
expect_ok "commit 1 of another table" put u su "$T/sb.mcr"
# killed once the server has committed commit 3's mirror row, before its
# decision: the rerun drops its sessions and makes it again
kill_in_commit "$T/srv" 2 "killed in commit 3, before its decision" \
	"killed in commit 3, before its decision" put_ u su "$T/ch.mcr"
expect_ok "the rerun takes it (its journal, the mirror's attempt)" put u su "$T/ch.mcr"
expect_grep "... and makes commit 3 again" "commit 3 was not decided" "$T/err"
expect_eq "... every row once" "$(rows u) $(rows u_log)" "$want"
# killed once the server has committed commit 3's first data session:
# decided, not finished
expect_ok "commit 1 of a third table" put v sv "$T/sb.mcr"
kill_in_commit "$T/srv" 3 "killed in commit 3, after its decision" \
	"killed in commit 3, after its decision" put_ v sv "$T/ch.mcr"
[ -f "$T/sv/_mcsync/odps-journal" ] && ok "... its journal is in the directory" ||
	fail "... its journal is in the directory" "none"
cp -r "$T/sv" "$T/sv.copy"
expect_ok "the rerun rolls commit 3 forward" put v sv "$T/ch.mcr"
expect_grep "... saying so" "commit 3 was decided and not finished" "$T/err"
expect_eq "... every row once" "$(rows v) $(rows v_log)" "$want"
rm -rf "$T/sv"
mv "$T/sv.copy" "$T/sv"
expect_code 1 "the copy taken while commit 3 was in doubt, put back after it was finished: exit 1" \
	put v sv "$T/ch.mcr"
expect_grep "... before its roll-forward, naming the commits" \
	"^mc-tunnel-put: --state=$T/sv is behind MaxCompute: its ledger is of commit 2, the state mirror holds commit 3 of its writer $(wr sv) " "$T/err"
expect_eq "... nothing doubled" "$(rows v) $(rows v_log)" "$want"
expect_eq "... the journal left for --recover" "$(sed -n 's/^seq //p' "$T/sv/_mcsync/odps-journal")" "3"

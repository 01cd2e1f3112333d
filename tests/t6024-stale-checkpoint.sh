#!/bin/sh
# A source that read --checkpoint-out one commit behind the sink: a run
# killed after its commit and before it wrote the checkpoint leaves it so
# (one rename wide into MaxCompute, a ledger write and a rename into a local
# warehouse). The next run's sink writes the checkpoint again at its start,
# but the source started beside it has already read the older one and
# repeats chunks the sink holds; with the source changed meanwhile they are
# bounded or watermarked otherwise and refused (exit 1). The refusal says
# that the checkpoint was behind and to run the same command again, and the
# same command run again finishes, every row once. A refusal with a
# checkpoint that was not behind does not say so.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
sql "CREATE DATABASE s; USE s; CREATE TABLE s.t (id INT PRIMARY KEY, v VARCHAR(20));
INSERT INTO s.t SELECT seq * 10, CONCAT('v', seq) FROM seq_1_to_100;
CREATE TABLE s.other (n INT)"
SNAP="mc-snapshot $MDB_ARGS --databases=s --tables=^s\\.t\$ --threads=1 --chunk-rows=10"
W=$T/w C=$T/ck

$SNAP >"$T/s1.mcr" 2>"$T/err" || { fail "the snapshot" "$(cat "$T/err")"; exit 1; }
# the first 4 chunks, without the trailer (a source killed there)
mc-cat --to=jsonl "$T/s1.mcr" >"$T/s1.jsonl"
n=$(grep -n '"chunk_end"' "$T/s1.jsonl" | sed -n 4p | cut -d: -f1)
head -n "$n" "$T/s1.jsonl" | mc-cat --from=jsonl --to=mcr >"$T/part.mcr" 2>/dev/null
# (through a pipe: a regular file must end with its trailer)
expect_ok "the first chunks go in" sh -c 'cat "$3" | mc-tunnel-put --dest="$1" --partial-ok \
	--commit-rows=10 --checkpoint-out="$2"' sh "$W" "$C" "$T/part.mcr"
cp "$C" "$T/ck.behind"
expect_ok "the whole snapshot goes in" mc-tunnel-put --dest="$W" --commit-rows=10 \
	--checkpoint-out="$C" "$T/s1.mcr"
expect_grep "its checkpoint says the table is done" '^table\.s\.t done$' "$C"

# the checkpoint one commit behind, as a kill before its rename leaves it;
# the source reads it, the binlog moves on meanwhile (higher watermarks)
cp "$T/ck.behind" "$C"
sql "INSERT INTO s.other VALUES (1)"
$SNAP --checkpoint-in="$C" >"$T/s2.mcr" 2>"$T/err" || fail "the source from the older checkpoint" "$(cat "$T/err")"
expect_code 1 "the sink refuses the repeated chunks" \
	mc-tunnel-put --dest="$W" --commit-rows=10 --checkpoint-out="$C" "$T/s2.mcr"
expect_grep "... saying the checkpoint was behind and to run the same command again" \
	"of a new snapshot of the table.*cannot replace it in place \(this run found --checkpoint-out behind its commits .*so run the same command again\)$" "$T/err"
expect_grep "... its checkpoint written again from what it holds" '^table\.s\.t done$' "$C"
expect_code 1 "the same repeated chunks again: refused" \
	mc-tunnel-put --dest="$W" --commit-rows=10 --checkpoint-out="$C" "$T/s2.mcr"
if grep -q "run the same command again" "$T/err"; then
	fail "... without the words of a checkpoint behind (it was not)" "$(cat "$T/err")"
else ok "... without the words of a checkpoint behind (it was not)"; fi

$SNAP --checkpoint-in="$C" >"$T/s3.mcr" 2>"$T/err" || fail "the source rerun" "$(cat "$T/err")"
expect_ok "the same command run again exits 0" mc-tunnel-put --dest="$W" --commit-rows=10 \
	--checkpoint-out="$C" "$T/s3.mcr"
mc-cat --to=csv --table=s.t "$W/s__t/"ds=*/part-*.mcr.zst 2>"$T/err" | grep -v '^id,' >"$T/rows"
expect_eq "the base holds every row once" "$(wc -l <"$T/rows")/$(sort -u "$T/rows" | wc -l)" "100/100"

# --checkpoint-out a named pipe (the source's to read, as in a test or a
# service script): the sink does not open it to compare (it would take
# the one writer's bytes from the source, or wait for a writer forever)
mkfifo "$T/ck.fifo"
expect_ok "a named pipe as --checkpoint-out with no writer: the sink does not wait on it" \
	timeout -k 5 20 mc-tunnel-put --dest="$T/wf" --checkpoint-out="$T/ck.fifo" "$T/s3.mcr"

#!/bin/sh
# mc-tunnel-put --mode=upsert: a snapshot into a PK table, then its tail
# (docs/maxcompute.md "Snapshot and tail into a PK table"). The snapshot's rows
# go in as upserts chunk by chunk; the tail starts at the lowest chunk watermark
# and repeats changes the snapshot saw: its changes are held until the source's
# position passes the highest watermark, then applied in one commit, each key
# collapsed to its last change, so that no key ever shows a value older than the
# snapshot's (the server's log of every commit, DIR/upserts.log, is read back),
# and the table equals the source. A tail that ends below the highest watermark
# applies nothing (exit 1); the refusals: a change of a table whose snapshot is
# not complete, a chunk below the changes applied already, snapshot rows
# without chunk marks (tests/t7051), one key twice in a snapshot.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/t7051-odps-upsert.lib"

S='{"kind":"schema","db":"d","table":"TB","version":1,"pos":[1,100,0],"time":1795222800,"flags":0,"columns":[{"name":"id","mysql_type":"int","mc_type":"INT","nullable":false,"flags":0},{"name":"v","mysql_type":"varchar(8)","mc_type":"STRING","nullable":true,"flags":0}],"key":[0]}'
snaprow() { printf '{"kind":"row","op":"snapshot","db":"d","table":"TB","version":1,"pos":[1,%s,0],"time":1795223000,"before":null,"after":[%s,"%s"]}\n' "$1" "$2" "$3"; }
chunk() { printf '{"kind":"mark","mark":"chunk_end","pos":[1,%s,0],"time":1795223000,"db":"d","table":"TB","label":"%s"}\n' "$1" "$2"; }
ch() { # OP POS BEFORE AFTER: one change and its transaction end at POS+10
	printf '{"kind":"row","op":"%s","db":"d","table":"TB","version":1,"pos":[1,%s,0],"time":1795223000,"before":%s,"after":%s}\n{"kind":"mark","mark":"txn_end","pos":[1,%s,0],"time":1795223000,"db":"","table":"","label":""}\n' "$1" "$2" "$3" "$4" $(($2 + 10)); }
# The source: 5=a0 7=x 15=c0 at 1:100. Chunk (-inf, 10] read at 1:100, chunk
# (10, +inf] at 1:500, after 15 went c0 -> c1 (1:200) -> c2 (1:300) and 20 came
# (1:250) and went (1:350); then 7 deleted (1:400), 5 -> a1 (1:600).
snap() { # TABLE [FIRST-CHUNK-ONLY]
	echo '{"mcr":1,"meta":{"program":"mc-snapshot","source_id":"1"}}'
	echo "$S" | sed "s/TB/$1/"
	{ snaprow 100 5 a0; snaprow 100 7 x; chunk 100 "(-inf, 10]"; } | sed "s/TB/$1/g"
	[ -n "${2:-}" ] && return
	{ snaprow 500 15 c2; chunk 500 "(10, +inf]"; } | sed "s/TB/$1/g"
	echo '{"kind":"mark","mark":"snapshot_end","pos":[1,500,0],"time":1795223000,"db":"d","table":"TB","label":""}' | sed "s/TB/$1/g"
}
tail_() { # TABLE [UPTO]
	echo '{"mcr":1,"meta":{"source_id":"1","source_epoch":"1:1795222800","source_start":"1:100"}}'
	echo "$S" | sed "s/TB/$1/"
	{ ch update 200 '[15,"c0"]' '[15,"c1"]'
	  ch insert 250 null '[20,"n"]'
	  ch update 300 '[15,"c1"]' '[15,"c2"]'
	  ch delete 350 '[20,"n"]' null
	  ch delete 400 '[7,"x"]' null
	  [ "${2:-}" = 410 ] && exit 0
	  ch update 600 '[5,"a0"]' '[5,"a1"]'
	} | sed "s/TB/$1/g"
}
pp() { # STATE FILE ARGS...: through a pipe (no trailer): --partial-ok
	_s=$1 _f=$2
	shift 2
	cat "$_f" | put "$_s" --partial-ok --commit-rows=1 "$@" -
}
log() { grep "\"table\": \"$1\"" "$T/srv/upserts.log" 2>/dev/null; }
state() { $CLI sql "SELECT id, v FROM $1 ORDER BY id" 2>"$T/sql.err" | tail -n +2 | tr '\n' ' '; }

snap t >"$T/snap.jsonl"
tail_ t >"$T/tail.jsonl"
tail_ t 410 >"$T/tail410.jsonl"

# --- the snapshot, chunk by chunk ---
expect_code 0 "the snapshot into a PK table" pp s1 "$T/snap.jsonl" --name=d.t=t --checkpoint-out="$T/ck"
expect_eq "the table is the snapshot's rows" "$(state t)" "5,a0 7,x 15,c2 "
expect_eq "one commit per chunk (--commit-rows=1)" "$(log t | wc -l)" 2
expect_grep "the checkpoint: resume at the lowest watermark" "^resume 1:100:0" "$T/ck"

# --- a tail that ends below the highest watermark: nothing applied ---
expect_code 1 "a tail ending at 1:410 < 1:500 exits 1" pp s1 "$T/tail410.jsonl" --name=d.t=t
expect_grep "... saying why and what to do" "the changes of 'd.t' end at 1:410:0, below the highest watermark of its snapshot's chunks \\(1:500:0\\).*feed the tail on past 1:500:0" "$T/err"
expect_eq "... nothing of it applied" "$(log t | wc -l)" 2
expect_eq "... the table as it was" "$(state t)" "5,a0 7,x 15,c2 "

# --- the tail: held to past 1:500, then one commit ---
expect_code 0 "the tail" pp s1 "$T/tail.jsonl" --name=d.t=t --checkpoint-out="$T/ck"
expect_eq "the table equals the source" "$(state t)" "5,a1 15,c2 "
expect_eq "the changes below 1:500 and past it in one commit (then none)" "$(log t | wc -l)" 3
log t | python3 -c '
import json, sys
for l in sys.stdin:
    for k, row in json.loads(l)["ops"]:
        print(k[0], row[1] if row else "-")' >"$T/keys"
expect_eq "no commit showed 15=c1 (older than the snapshot's c2) or the short-lived 20" \
	"$(grep -c '^15 c1\|^20 n' "$T/keys")" 0
expect_code 0 "a rerun of the tail" pp s1 "$T/tail.jsonl" --name=d.t=t
expect_eq "... a repeat" "$(log t | wc -l)" 3

# --- what the old way did: with every change committed (a changes-only
# state, no snapshot), 15 shows c1 at one commit: the case the hold prevents
tail_ u | sed 's/"table":"u"/"table":"u"/' >"$T/tailu.jsonl"
expect_code 0 "(changes only into another table)" pp s2 "$T/tailu.jsonl" --name=d.u=u
expect_eq "... there a commit shows 15=c1" "$(log u | grep -c '\[\[15\], \[15, "c1"\]\]')" 1

# --- refusals ---
snap v 1 >"$T/snapv1.jsonl"
tail_ v >"$T/tailv.jsonl"
expect_code 0 "(the first chunk of a snapshot)" pp s3 "$T/snapv1.jsonl" --name=d.v=v
expect_code 1 "a change of a table whose snapshot is not complete exits 1" pp s3 "$T/tailv.jsonl" --name=d.v=v
expect_grep "... naming it and the chain" "record 3: a change of 'd.v', whose snapshot is not complete \\(committed up to 10\\): --mode=upsert applies a table's changes after its snapshot" "$T/err"
snap u >"$T/snapu.jsonl"
expect_code 1 "a chunk below the changes applied exits 1" pp s2 "$T/snapu.jsonl" --name=d.u=u
expect_grep "... naming the chunk and both positions" "record 5: chunk \\(-inf, 10\\] of 'd.u' at watermark 1:100:0 lies below the changes already applied \\(up to 1:610:0\\)" "$T/err"
{ snap w | head -3; snaprow 100 5 dup | sed 's/TB/w/'; snap w | tail -n +4; } >"$T/snapw.jsonl"
expect_code 1 "one key twice in a snapshot chunk exits 1" pp s4 "$T/snapw.jsonl" --name=d.w=w
expect_grep "... saying so" "two snapshot rows of one key in the PK table w: the key is not unique" "$T/err"

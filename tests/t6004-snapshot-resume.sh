#!/bin/sh
# mc-snapshot --checkpoint: a rerun after SIGKILL writes only the chunks the
# checkpoint does not name; both outputs together hold every row.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE r; USE r;
CREATE TABLE r.a (id INT PRIMARY KEY, v VARCHAR(20));
INSERT INTO r.a SELECT seq, CONCAT('a', seq) FROM seq_1_to_3000;
CREATE TABLE r.b (k VARCHAR(20) PRIMARY KEY, v INT);
INSERT INTO r.b SELECT CONCAT('k', seq), seq FROM seq_1_to_3000;"

mc-snapshot $MDB_ARGS --databases=r --threads=2 --chunk-rows=200 --max-rate=1500 \
	--checkpoint="$T/ck" >"$T/one.mcr" 2>"$T/err1" &
pid=$!
sleep 2.5
kill -KILL $pid
wait $pid 2>/dev/null
expect_grep "the checkpoint names finished chunks" '^table\.r\.[ab] (after|done)' "$T/ck"
mc-cat "$T/one.mcr" >"$T/one.jsonl" 2>/dev/null
expect_ok "the rerun finishes" mc-snapshot $MDB_ARGS --databases=r --threads=2 --chunk-rows=200 --checkpoint="$T/ck"
cp "$T/out" "$T/two.mcr"
mc-cat "$T/two.mcr" >"$T/two.jsonl"
expect_eq "the checkpoint says both tables are done" "$(grep -c ' done$' "$T/ck")" 2
# How the outputs combine (docs/mc-snapshot.md "Resume"): a chunk the killed
# run finished but had not checkpointed when it died is read again by the
# rerun, whose first chunk of each table starts where the checkpoint says
# (its LO); so the killed run's chunks after the one whose HI is that LO are
# left out (at most one per thread: the kill's window between a chunk's
# output and the checkpoint's rename).
python3 - "$T/one.jsonl" "$T/two.jsonl" >"$T/check" <<'PY'
import json, sys
one = [json.loads(l) for l in open(sys.argv[1])]
two = [json.loads(l) for l in open(sys.argv[2])]
def chunks(recs):
    out, pend = {}, []
    for r in recs:
        if r.get('kind') == 'row': pend.append(r)
        elif r.get('kind') == 'mark' and r['mark'] == 'chunk_end':
            lo, hi = r['label'][1:-1].split(', ', 1)
            out.setdefault(r['table'], []).append((lo, hi, pend)); pend = []
    return out, pend
ca, _ = chunks(one)
cb, tail = chunks(two)
dropped = 0
for t, cs in ca.items():
    if t in cb:
        lo = cb[t][0][0]
        while cs and cs[-1][1] != lo:
            cs.pop(); dropped += 1
a = [r for cs in ca.values() for c in cs for r in c[2]]
b = [r for cs in cb.values() for c in cs for r in c[2]] + tail
ka = {(r['table'], str(r['after'][0])) for r in a}
kb = {(r['table'], str(r['after'][0])) for r in b}
print('first', len(a), 'second', len(b), 'union', len(ka | kb), 'overlap', len(ka & kb), 'dropped', dropped)
PY
read _ n1 _ n2 _ nu _ nover _ ndrop <"$T/check"
expect_eq "the killed run had written some chunks, the rerun the rest" "$([ "$n1" -gt 0 ] && [ "$n2" -gt 0 ] && echo yes)" yes
expect_eq "together they hold every row" "$nu" 6000
expect_eq "no finished chunk is read twice" "$nover" 0
expect_eq "the killed run's chunks past its checkpoint: at most one per thread" \
	"$([ "$ndrop" -le 2 ] && echo yes || echo "$ndrop")" yes
expect_ok "a run with the finished checkpoint writes no rows" mc-snapshot $MDB_ARGS --databases=r --checkpoint="$T/ck"
expect_eq "... only the schema records" "$(mc-cat "$T/out" | grep -c '"kind":"row"')" 0

# a lost connection is transient (exit 3); the rerun completes from the checkpoint
rm -f "$T/ck"
mc-snapshot $MDB_ARGS --databases=r --threads=2 --chunk-rows=200 --max-rate=1500 \
	--checkpoint="$T/ck" >"$T/k1.mcr" 2>"$T/kerr" &
pid=$!
sleep 1.5
sql "SELECT ID FROM information_schema.PROCESSLIST WHERE USER='root' AND ID <> CONNECTION_ID()" |
	while read -r id; do sql "KILL CONNECTION $id" 2>/dev/null; done
wait $pid
rc=$?
expect_eq "a killed server connection exits 3 (transient)" "$rc" 3
cp "$T/kerr" "$T/err"
expect_grep "... with a message naming what was lost" 'mc-snapshot: .*(lost|gone|killed|interrupted)' "$T/err"
expect_ok "the rerun after exit 3 finishes" mc-snapshot $MDB_ARGS --databases=r --threads=2 --chunk-rows=200 --checkpoint="$T/ck"
mc-cat "$T/k1.mcr" 2>/dev/null >"$T/k1.jsonl"
mc-cat "$T/out" >"$T/k2.jsonl"
python3 - "$T/k1.jsonl" "$T/k2.jsonl" >"$T/check" <<'PY'
import json, sys
keys = set()
for f in sys.argv[1:]:
    pend = []
    for l in open(f):
        r = json.loads(l)
        if r.get('kind') == 'row': pend.append((r['table'], str(r['after'][0])))
        elif r.get('kind') == 'mark' and r['mark'] == 'chunk_end': keys.update(pend); pend = []
print(len(keys))
PY
expect_eq "... and both outputs hold every row" "$(cat "$T/check")" 6000

# names outside [a-z0-9_-] are checkpointed in hex
sql 'CREATE DATABASE `We-ird`; CREATE TABLE `We-ird`.`T a``b` (`k e` VARCHAR(10) PRIMARY KEY);
INSERT INTO `We-ird`.`T a``b` VALUES ("a"), ("b"), ("c")'
rm -f "$T/ck2"
expect_ok "odd database and table names" mc-snapshot $MDB_ARGS --databases=We-ird --chunk-rows=1 --checkpoint="$T/ck2"
expect_eq "... give every row" "$(mc-cat "$T/out" | grep -c '"kind":"row"')" 3
expect_grep "... and a hex key in the checkpoint" '^hex\.57652d697264\.5420616062 done$' "$T/ck2"

# --checkpoint-in: read only; a missing file starts from scratch
cp "$T/ck" "$T/ck.orig" 2>/dev/null
expect_code 2 "--checkpoint and --checkpoint-in together exit 2" \
	mc-snapshot $MDB_ARGS --databases=r --checkpoint="$T/ck" --checkpoint-in="$T/ck"
expect_ok "--checkpoint-in with no file yet reads everything" \
	mc-snapshot $MDB_ARGS --databases=r --chunk-rows=1000 --checkpoint-in="$T/nope.ckpt"
expect_eq "... every row" "$(mc-cat "$T/out" | grep -c '"kind":"row"')" 6000
expect_eq "... and writes no file" "$([ -e "$T/nope.ckpt" ] && echo yes || echo no)" no
# a sink's checkpoint (mc-tunnel-put --checkpoint-out): its chain for r.a
# ends after the label's literal, r.b is done; other lines are ignored
printf 'mcsync-checkpoint 1\npos 1:4:0\nresume 1:4:0\ntable.r.a after\t1000\ntable.r.b done\n' >"$T/sink.ckpt"
expect_ok "--checkpoint-in from a sink's checkpoint" \
	mc-snapshot $MDB_ARGS --databases=r --chunk-rows=1000 --checkpoint-in="$T/sink.ckpt"
mc-cat "$T/out" >"$T/in.jsonl"
expect_eq "... resumes r.a after 1000, skips r.b" \
	"$(grep -c '"kind":"row".*"table":"a"' "$T/in.jsonl")/$(grep -c '"kind":"row".*"table":"b"' "$T/in.jsonl")" 2000/0
expect_grep "... its first chunk continues the chain" '"chunk_end".*"label":"\(1000, 2000\]"' "$T/in.jsonl"
expect_eq "... and the file is not written" "$(cksum <"$T/sink.ckpt")" \
	"$(printf 'mcsync-checkpoint 1\npos 1:4:0\nresume 1:4:0\ntable.r.a after\t1000\ntable.r.b done\n' | cksum)"
printf 'mcsync-checkpoint 1\ntable.r.a after\t1\t2\n' >"$T/bad.ckpt"
expect_code 1 "a chain with more literals than the split key exits 1" \
	mc-snapshot $MDB_ARGS --databases=r --checkpoint-in="$T/bad.ckpt"
expect_grep "... naming the file and the key" "bad.ckpt': bad value for 'table\.r\.a'" "$T/err"

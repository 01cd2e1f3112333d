#!/bin/sh
# mc-binlog-tail: a two-phase XA transaction whose XA PREPARE (its rows)
# lies before the start (--from on files, --start live, a checkpoint's
# resume) and whose XA COMMIT lies after it was dropped with exit 0: the
# XA COMMIT of a prepare not read is refused, naming both positions (exit 2
# for a user's position, with the PREPARE's offset on files; exit 1
# otherwise); an XA ROLLBACK of one is nothing to write. Every event start
# between transactions is tried.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
need python3
mdb_start
# each sql call is a session: a prepared XA transaction outlives it
for q in "CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, v INT); FLUSH BINARY LOGS;
INSERT INTO d.t VALUES (1, 1)" \
	"XA START 'x1'; INSERT INTO d.t VALUES (10, 10); UPDATE d.t SET v = 11 WHERE id = 10; XA END 'x1'; XA PREPARE 'x1'" \
	"INSERT INTO d.t VALUES (2, 2)" \
	"XA START 'x2'; INSERT INTO d.t VALUES (20, 20); XA END 'x2'; XA PREPARE 'x2'" \
	"INSERT INTO d.t VALUES (3, 3)" "XA COMMIT 'x1'" "INSERT INTO d.t VALUES (4, 4)" \
	"XA ROLLBACK 'x2'" "INSERT INTO d.t VALUES (5, 5); FLUSH BINARY LOGS"; do
	sql "$q" || { fail "set-up" "sql failed: $q"; exit 1; }
done
F=$(sql "SHOW BINARY LOGS" | sed -n 'x;$p' | cut -f1) # the one before the current
BL=$MDB_DIR/binlog/$F
sql "SHOW BINLOG EVENTS IN '$F'" | cut -f2,3,5,6 >"$T/events"
mc-binlog-tail "$BL" | mc-cat --to=jsonl >"$T/all.jsonl" || fail "the whole file" "exit $?"
SEQ=${F##*.}; SEQ=$((SEQ + 0))
# per event start between transactions: the XA START group of x1 (M), its
# XA_PREPARE (P), its XA COMMIT event (C); the rows after a position
python3 - "$T/events" "$T/all.jsonl" >"$T/plan" <<'PY'
import json, sys
ev = [l.split('\t') for l in open(sys.argv[1]).read().splitlines()]
rows = [json.loads(l) for l in open(sys.argv[2])]
rows = [r['pos'][1] for r in rows if r.get('kind') == 'row']
M = next(int(p) for p, t, e, i in ev if t == 'Gtid' and "XA START X'7831'" in i)
P = next(int(p) for p, t, e, i in ev if t == 'XA_prepare' and "X'7831'" in i)
C = next(int(p) for p, t, e, i in ev if t == 'Query' and "XA COMMIT X'7831'" in i)
began = 0
for pos, typ, end, info in ev:
    pos = int(pos)
    if pos > 4 and not began:
        print(pos, M, P, C, 1 if M < pos <= C else 0, sum(1 for p in rows if p > pos))
    if typ == 'Gtid' and 'GTID' in info and not info.startswith('GTID'): began = pos
    if typ in ('Xid', 'XA_prepare'): began = 0
PY
x1=$(grep -c '"after":\[10,1[01]\]' "$T/all.jsonl")
expect_eq "the whole file: x1's two rows at its XA COMMIT, x2 (rolled back) none" \
	"$x1 $(grep -c '"after":\[20,20\]' "$T/all.jsonl")" "2 0"
n_mid=0 n_out=0 bad=
while read pos M P C mid want; do
	mc-binlog-tail --from="$F:$pos" "$BL" >"$T/o.mcr" 2>"$T/e"; rc=$?
	if [ "$mid" = 1 ]; then
		n_mid=$((n_mid + 1))
		[ $rc -eq 2 ] && grep -q "offset $C: XA COMMIT X'7831',X'',1 at $SEQ:$C commits a transaction prepared before the stream's start $SEQ:$pos (--from): its rows, in its XA PREPARE's event group (at offset $M, its XA PREPARE at offset $P), were not read" "$T/e" ||
			bad="$bad --from=$pos:rc=$rc"
	else
		n_out=$((n_out + 1))
		got=$(mc-cat --to=jsonl "$T/o.mcr" | grep -c '"kind":"row"')
		[ $rc -eq 0 ] && [ "$got" -eq "$want" ] || bad="$bad --from=$pos:rc=$rc:rows=$got/$want"
	fi
done <"$T/plan"
expect_eq "every --from between x1's XA PREPARE and its XA COMMIT refused (exit 2 naming both), every other one the whole transactions after it" \
	"$([ $n_mid -ge 4 ] && [ $n_out -ge 6 ] && echo enough)$bad" enough
read pos M P C mid want <<EOF2
$(awk '$5 == 1' "$T/plan" | sed -n 2p)
EOF2
LIVE="$MDB_ARGS --server-id=$((MDB_SERVER_ID + 1)) --stop-at-end"
expect_code 2 "live --start between x1's XA PREPARE and its XA COMMIT: exit 2" \
	timeout -k 5 20 mc-binlog-tail $LIVE --start="$F:$pos"
expect_grep "... naming both positions" "offset $C: XA COMMIT X'7831',X'',1 at $SEQ:$C commits a transaction prepared before the stream's start $SEQ:$pos .--start.: its rows, in its XA PREPARE's event group, were not read" "$T/err"
# mcsync's own resume: a checkpoint whose resume lies there: exit 1
printf 'mcsync-checkpoint 1\npos %s:%s:0\nresume %s:%s:0\n' $SEQ $pos $SEQ $pos >"$T/c.ckpt"
expect_code 1 "live from a checkpoint whose resume lies between them: exit 1" \
	timeout -k 5 20 mc-binlog-tail $LIVE --checkpoint-in="$T/c.ckpt" --start="$F:4"
expect_grep "... naming both positions" "offset $C: XA COMMIT X'7831',X'',1 at $SEQ:$C commits a transaction prepared before the stream's start $SEQ:$pos .the checkpoint's resume." "$T/err"
# the next binlog alone (x1 prepared in the file before): exit 1
sql "XA START 'x3'; INSERT INTO d.t VALUES (30, 30); XA END 'x3'; XA PREPARE 'x3'" &&
	sql "FLUSH BINARY LOGS" && sql "XA COMMIT 'x3'; FLUSH BINARY LOGS" || fail "set-up" "x3"
F2=$(sql "SHOW BINARY LOGS" | sed -n 'x;$p' | cut -f1)
expect_code 1 "a binlog whose XA COMMIT's PREPARE is in the file before: exit 1" \
	mc-binlog-tail "$MDB_DIR/binlog/$F2"
expect_grep "... naming it" "XA COMMIT X'7833',X'',1 at .* commits a transaction prepared before the stream's start .*:4 .the first file's start." "$T/err"
expect_ok "both binlogs: x3 written" mc-binlog-tail "$MDB_DIR/binlog/${F2%.*}".00000[3-9]

#!/bin/sh
# mc-binlog-tail: a start position inside a transaction (--from=FILE:POS on
# files, --start=FILE:POS live) would write the transaction's events after
# it alone, its earlier statements lost, with exit 0. Every event start of
# a binlog is tried: inside a transaction exit 2 naming the position and
# where the transaction began; between transactions the rows of the whole
# transactions after it. A --from inside the format description event is
# "inside an event" too.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
need python3
mdb_start
sql "CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, v INT); FLUSH BINARY LOGS;
BEGIN; INSERT INTO d.t VALUES (1, 1); INSERT INTO d.t VALUES (2, 2); UPDATE d.t SET v = 5; COMMIT;
INSERT INTO d.t VALUES (3, 3);
BEGIN; DELETE FROM d.t WHERE id = 1; INSERT INTO d.t VALUES (4, 4); COMMIT;
FLUSH BINARY LOGS;" || { fail "set-up" "sql failed"; exit 1; }
F=$(sql "SHOW BINARY LOGS" | sed -n 'x;$p' | cut -f1) # the one before the current
BL=$MDB_DIR/binlog/$F
# Pos, type, end of each event; rows after a position = the rows of the
# transactions that begin at or after it (from the whole file's decoding)
sql "SHOW BINLOG EVENTS IN '$F'" | cut -f2,3,5 >"$T/events"
mc-binlog-tail "$BL" | mc-cat --to=jsonl >"$T/all.jsonl" || fail "the whole file" "exit $?"
python3 - "$T/events" "$T/all.jsonl" >"$T/plan" <<'PY'
import json, sys
ev = [l.split('\t') for l in open(sys.argv[1]).read().splitlines()]
rows = [json.loads(l) for l in open(sys.argv[2])]
rows = [r['pos'][1] for r in rows if r.get('kind') == 'row']
began = 0
for pos, typ, end in ev:
    pos = int(pos)
    if pos <= 4: continue
    # inside: after a transaction's Gtid (not standalone) and up to its Xid
    inside = began and pos > began
    print(pos, began if inside else 0, sum(1 for p in rows if p > pos))
    if typ == 'Gtid': began = pos
    if typ == 'Xid': began = 0
PY
n_in=0 n_out=0 bad=
while read pos began want; do
	mc-binlog-tail --from="$F:$pos" "$BL" >"$T/o.mcr" 2>"$T/e"; rc=$?
	if [ "$began" -gt 0 ]; then
		n_in=$((n_in + 1))
		[ $rc -eq 2 ] && grep -q "offset $pos: --from position $pos is inside the transaction that began at offset $began " "$T/e" ||
			bad="$bad --from=$pos:rc=$rc"
		if [ "$rc" -eq 2 ]; then
			timeout -k 5 20 mc-binlog-tail $MDB_ARGS --server-id=$((MDB_SERVER_ID + 1)) --start="$F:$pos" --stop-at-end >/dev/null 2>"$T/e"; rc=$?
			[ $rc -eq 2 ] && grep -q "offset $pos: --start position $pos is inside a transaction" "$T/e" ||
				bad="$bad --start=$pos:rc=$rc"
		fi
	else
		n_out=$((n_out + 1))
		got=$(mc-cat --to=jsonl "$T/o.mcr" | grep -c '"kind":"row"')
		[ $rc -eq 0 ] && [ "$got" -eq "$want" ] || bad="$bad --from=$pos:rc=$rc:rows=$got/$want"
	fi
done <"$T/plan"
expect_eq "every event start inside a transaction refused (--from, --start: exit 2 naming it), every other one the whole transactions after it" \
	"$([ $n_in -ge 8 ] && [ $n_out -ge 3 ] && echo enough)$bad" enough
expect_code 2 "--from inside the format description event: exit 2" mc-binlog-tail --from="$F:100" "$BL"
expect_grep "... inside an event" "offset 4: --from position 100 is inside an event" "$T/err"
expect_ok "--from at a transaction's start (4 too): exit 0" mc-binlog-tail --from="$F:4" "$BL"

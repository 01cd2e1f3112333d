#!/bin/sh
# The oracle across schema changes (docs/merge.md "Schema changes"): a
# throwaway MariaDB; a snapshot racing a writer; then, while the writer
# goes on, ADD COLUMN (NOT NULL DEFAULT 0), DROP COLUMN, RENAME COLUMN,
# MODIFY to wider types (DECIMAL, DATETIME precision, FLOAT to DOUBLE, INT
# to BIGINT with a move to the front), a change of the primary key, and a
# narrowing MODIFY whose values fit; the binlog tailed (with the
# snapshot's schemas), loaded as it is and through mc-transform under two
# DDL policies (modify_column: normal, ignore), merged, compared with the
# server row by row. mc-snapshot after the changes and mc-binlog-tail
# across them give the same schema records. The narrowing MODIFY is
# refused under normal (exit 1, naming the column and the reason), and
# carried exactly under ignore.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
rows=$(i=1; while [ $i -le 1500 ]; do
	printf "(%d,%d,'a%d',%d,%d.%02d,'2024-01-%02d 10:11:12',%d.25)," $i $i $((i % 100)) $i $((i % 900)) $((i % 100)) $((i % 28 + 1)) $((i % 50))
	i=$((i + 1)); done | sed 's/,$//')
krows=$(i=1; while [ $i -le 200 ]; do printf "(%d,%d,%d)," $i $((i + 5000)) $i; i=$((i + 1)); done | sed 's/,$//')
sql "CREATE DATABASE d;
     CREATE TABLE d.o (id INT PRIMARY KEY, v INT, a VARCHAR(5), b INT, m DECIMAL(5,2), dt DATETIME, f FLOAT);
     CREATE TABLE d.k (id INT PRIMARY KEY, u INT NOT NULL, v INT, UNIQUE KEY (u));
     CREATE TABLE d.nw (id INT PRIMARY KEY, v INT);
     INSERT INTO d.o VALUES $rows;
     INSERT INTO d.k VALUES $krows;
     INSERT INTO d.nw VALUES (1,1),(2,-2),(3,300)" || { fail "setup" "sql failed"; exit 1; }

writer() { # N FIRST: transactions on d.o that name only id and v
	_i=$2
	echo "USE d;"
	while [ $_i -lt $(($2 + $1)) ]; do
		_k=$(( (_i * 7919) % 1500 + 1 ))
		case $((_i % 4)) in
		0) echo "INSERT INTO o (id, v) VALUES ($((100000 + _i)), $_i);" ;;
		1) echo "UPDATE o SET v = v + 1 WHERE id = $_k;" ;;
		2) echo "DELETE FROM o WHERE id = $_k;" ;;
		3) echo "UPDATE o SET id = $((200000 + _i)) WHERE id = $_k;" ;;
		esac
		_i=$((_i + 1))
	done
}
mysql_w() { mariadb --socket="$MDB_SOCK" --user=root 2>>"$T/werr" || mysql --socket="$MDB_SOCK" --user=root 2>>"$T/werr"; }
writer 1500 1 | mysql_w &
wp=$!
mdb_snap_d
# the schema changes, the writer going on meanwhile
writer 1500 2000 | mysql_w &
wp2=$!
sql "ALTER TABLE d.o ADD COLUMN n INT NOT NULL DEFAULT 0" && sleep 0.3 &&
sql "ALTER TABLE d.o DROP COLUMN b" && sleep 0.3 &&
sql "ALTER TABLE d.o RENAME COLUMN a TO aa" && sleep 0.3 &&
sql "ALTER TABLE d.o MODIFY m DECIMAL(8,3), MODIFY dt DATETIME(3)" && sleep 0.3 &&
sql "ALTER TABLE d.o MODIFY v BIGINT FIRST, MODIFY f DOUBLE" &&
sql "ALTER TABLE d.k DROP PRIMARY KEY, ADD PRIMARY KEY (u), DROP KEY u;
     UPDATE d.k SET v = v + 1 WHERE u < 5050; DELETE FROM d.k WHERE u > 5190;
     INSERT INTO d.k VALUES (1, 9999, 1); UPDATE d.k SET u = 7000 WHERE u = 5001" &&
sql "INSERT INTO d.nw VALUES (4,4); ALTER TABLE d.nw MODIFY v SMALLINT; INSERT INTO d.nw VALUES (5,5);
     UPDATE d.nw SET v = 6 WHERE id = 1" ||
	{ fail "setup" "the ALTERs failed"; exit 1; }
wait $wp
wait $wp2
[ -s "$T/werr" ] && fail "the writer" "$(head -3 "$T/werr")"
sql "UPDATE d.o SET v = v + 1 WHERE id < 10; FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }

set -- $(mc-cat --to=summary "$T/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
first=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
mc-binlog-tail --schema="$T/snap.mcr" --from="$first:$2" "$MDB_DIR"/binlog/mysql-bin.[0-9]* \
	>"$T/changes.mcr" 2>"$T/err" || { fail "setup" "mc-binlog-tail: $(cat "$T/err")"; exit 1; }
at=$(mc-cat --to=summary "$T/changes.mcr" | sed -n 's/^positions: .* \.\. //p')
mc-cat --to=jsonl "$T/changes.mcr" >"$T/changes.jsonl"
expect_eq "the tail holds the ALTERs" "$(grep -c '"kind":"ddl",.*"effect":"alter"' "$T/changes.jsonl")" 7

for P in normal ignore; do
	printf 'names:\n  template: "${db}__${table}"\nddl:\n  modify_column: %s\n' $P >"$T/$P.yaml"
done
for P in raw normal ignore; do
	if [ $P = raw ]; then cp "$T/changes.mcr" "$T/ch.$P.mcr"; cp "$T/snap.mcr" "$T/sn.$P.mcr"
	else mc-transform --rules="$T/$P.yaml" "$T/changes.mcr" >"$T/ch.$P.mcr" 2>"$T/err" &&
		mc-transform --rules="$T/$P.yaml" "$T/snap.mcr" >"$T/sn.$P.mcr" 2>>"$T/err" ||
		fail "$P: mc-transform" "$(cat "$T/err")"; fi
	expect_ok "$P: the snapshot loads" mc-tunnel-put --dest="$T/w$P" "$T/sn.$P.mcr"
	expect_ok "$P: the changes load" mc-tunnel-put --dest="$T/w$P" "$T/ch.$P.mcr"
done

merged() { # WAREHOUSE TABLE: its rows at the end as text, columns by name, sorted by the key
	mc-merge --warehouse="$1" --table="d__$2" --at="$at" --output="$T/m.mcr" 2>"$T/err" &&
		mc-cat --to=jsonl "$T/m.mcr" | python3 -c '
import sys, json
cols, rows = None, []
for l in sys.stdin:
    r = json.loads(l)
    if r.get("kind") == "schema":
        cols = [c["name"] for c in r["columns"]]
        key = [cols[i] for i in r["key"]]
    elif r.get("kind") == "row":
        rows.append(["NULL" if v is None else str(list(v.values())[0]) if isinstance(v, dict) else str(v) for v in r["after"]])
print("\t".join(cols))
k = [cols.index(c) for c in key]
for r in sorted(rows, key=lambda x: [int(x[i]) for i in k]):
    print("\t".join(r))
'
}
truth() { # TABLE KEY
	sql "SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA='d' AND TABLE_NAME='$1'" | tr , '\t'
	sql "SELECT * FROM d.$1 ORDER BY $2"
}
for P in raw normal ignore; do
	merged "$T/w$P" o >"$T/got" || fail "$P: o merges" "$(cat "$T/err")"
	truth o id >"$T/want"
	expect_same "$P: o equals the server across ADD, DROP, RENAME, MODIFY and a reorder" "$T/got" "$T/want"
	merged "$T/w$P" k >"$T/got" || fail "$P: k merges" "$(cat "$T/err")"
	truth k u >"$T/want"
	expect_same "$P: k equals the server under its new key" "$T/got" "$T/want"
done
expect_eq "rows before ADD COLUMN n INT NOT NULL DEFAULT 0 have 0" \
	"$(awk -F'\t' 'NR > 1 && $2 <= 1500 && $NF != 0' "$T/got" | head -1)" ""
for P in raw normal; do
	expect_code 1 "$P: the narrowing MODIFY is refused" \
		mc-merge --warehouse="$T/w$P" --table=d__nw --at="$at" --output="$T/m.mcr"
	expect_grep "$P: naming the column and the reason" \
		"column 2: changed at [0-9:]+ \('ALTER TABLE d.nw MODIFY v SMALLINT'\): 'int' to 'smallint' is not a widening" "$T/err"
done
merged "$T/wignore" nw >"$T/got" || fail "ignore: nw merges" "$(cat "$T/err")"
truth nw id >"$T/want"
expect_same "ignore: the narrowing MODIFY is carried, each value fitting" "$T/got" "$T/want"

# mc-snapshot after the changes and mc-binlog-tail across them agree
mc-snapshot $MDB_ARGS --databases=d >"$T/snap2.mcr" 2>"$T/err" || fail "a second snapshot" "$(cat "$T/err")"
mc-cat --to=jsonl "$T/snap2.mcr" >"$T/snap2.jsonl"
python3 "$TOP/tests/schemacmp.py" "$T/changes.jsonl" "$T/snap2.jsonl" >"$T/cmp" 2>&1
expect_eq "the tail's schemas after the changes equal the snapshot's" "$(cat "$T/cmp")" ""
# ... and the history's last version of each table is that schema too
for t in o k nw; do
	mc-cat --to=jsonl "$T/wraw/d__$t/_schemahist.mcr" | grep '"kind":"schema"' | tail -1 >"$T/h.jsonl"
	grep "\"kind\":\"schema\",\"db\":\"d\",\"table\":\"$t\"" "$T/snap2.jsonl" >"$T/s.jsonl"
	python3 "$TOP/tests/schemacmp.py" "$T/h.jsonl" "$T/s.jsonl" >"$T/cmp" 2>&1
	expect_eq "$t: the history's last version is the snapshot's schema" "$(cat "$T/cmp")" ""
done
expect_eq "o: its five statements in the history" \
	"$(mc-cat --to=jsonl "$T/wraw/d__o/_schemahist.mcr" | grep -c '"kind":"ddl"')" 5

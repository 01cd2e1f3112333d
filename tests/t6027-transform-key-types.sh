#!/bin/sh
# mc-transform's type overrides on a key column keep keys apart: two source
# keys that convert to one value are one row downstream (the merge keeps
# the later, the other is lost, exit 0). A text read as a number ('1',
# '01', '1.0', '-0' are one number) is taken on a key column only in the
# number's own digits, and a time written by a format only when the text
# holds all of it; any other key value is dirty data (exit 1 at limit 0,
# or rejected and listed). Columns outside the key convert as before.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE s; USE s;
CREATE TABLE k (code VARCHAR(10) COLLATE utf8mb4_bin PRIMARY KEY, n VARCHAR(10));
INSERT INTO k VALUES ('1','01'),('2','2.0'),('-3','-0'),('4.5', '7');
CREATE TABLE d (amt VARCHAR(10) COLLATE utf8mb4_bin PRIMARY KEY);
INSERT INTO d VALUES ('1.5'),('2'),('0.25');
CREATE TABLE e (at DATETIME PRIMARY KEY, v INT);
INSERT INTO e VALUES ('2024-01-01 10:00:00',1);
CREATE TABLE day (dt DATE PRIMARY KEY, v INT);
INSERT INTO day VALUES ('2024-01-01',1),('2024-01-02',2);" ||
	{ fail "the tables" "sql failed"; exit 1; }
cat >"$T/r.yaml" <<'YAML'
names:
  template: "${table}"
types:
  - {table: k, column: /code|n/, to: "DECIMAL(10,1)"}
  - {table: d, column: amt, to: DOUBLE}
  - {table: day, column: dt, to: STRING, format: yyyyMMdd}
select:
  include:
    - table: /k|d|day/
YAML
mc-snapshot $MDB_ARGS --databases=s >"$T/snap.mcr" || fail "the snapshot" "exit $?"
expect_ok "keys in their numbers' own digits, other columns in any" mc-transform --rules="$T/r.yaml" "$T/snap.mcr"
cp "$T/out" "$T/t.mcr"
expect_eq "... the values" \
	"$(mc-cat --to=csv --table=s.k "$T/t.mcr" | sort | tr '\n' ' ')" \
	"-3.0,0.0 1.0,1.0 2.0,2.0 4.5,7.0 code,n "
expect_eq "... a DATE key by a format that writes all of it" \
	"$(mc-cat --to=csv --table=s.day "$T/t.mcr" | sort | tr '\n' ' ')" "20240101,1 20240102,2 dt,v "
expect_ok "into a warehouse" mc-tunnel-put --dest="$T/wh" --checkpoint-out="$T/ck" "$T/t.mcr"

# changes whose keys meet an older key's number: dirty, exit 1
sql "USE s; INSERT INTO k VALUES ('01', '5'); FLUSH BINARY LOGS" || fail "the change" "sql failed"
mc-binlog-tail $MDB_ARGS --server-id=$((MDB_SERVER_ID + 1)) --tables='^s\.' --checkpoint-in="$T/ck" \
	--stop-at-end >"$T/c1.mcr" || fail "the tail" "exit $?"
expect_code 1 "a key '01' beside '1'" mc-transform --rules="$T/r.yaml" "$T/c1.mcr"
expect_grep "... is dirty data, naming the column and why" \
	"dirty value: 's.k' column 'code' \(after image\): 01: the text '01' is of a key column, and not in the number's own digits .*another text of the same number would be the same key \(the rule at .*r.yaml:4:[0-9]+\); the dirty limit is 0" "$T/err"
expect_ok "... with a dirty limit of 1: rejected" \
	mc-transform --rules="$T/r.yaml" --max-dirty=1 --reject="$T/rej.txt" "$T/c1.mcr"
expect_grep "... and listed in the reject file" "s\.k	code	after	01	.*is of a key column" "$T/rej.txt"
expect_eq "... no row of it written" "$(mc-cat "$T/out" | grep -c '"kind":"row"')" 0
for v in 1.00 -0 007; do
	printf '{"mcr":1,"meta":{}}\n{"kind":"schema","db":"s","table":"d","version":1,"cols":[{"name":"amt","mysql_type":"varchar(10)","mc_type":"STRING"}],"key":[0]}\n{"kind":"row","op":"insert","db":"s","table":"d","version":1,"pos":[1,4,0],"time":0,"before":null,"after":["%s"]}\n' "$v" >"$T/d.jsonl"
	expect_code 1 "a key '$v' read as a DOUBLE" mc-transform --rules="$T/r.yaml" "$T/d.jsonl"
done
printf 'types:\n  - {table: e, column: at, to: STRING, format: yyyyMMdd}\n' >"$T/e.yaml"
expect_code 1 "a DATETIME key written by a format without its time of day" mc-transform --rules="$T/e.yaml" "$T/snap.mcr"
expect_grep "... names the format and what it writes" \
	"'s.e' column 'at' \(after image\): .*is of a key column, and the format yyyyMMdd does not write all of it \(as '20240101'\)" "$T/err"
printf 'types:\n  - {table: e, column: at, to: STRING, format: "yyyy-MM-dd HH:mm:ss"}\n' >"$T/e2.yaml"
expect_ok "... one that writes all of it" mc-transform --rules="$T/e2.yaml" "$T/snap.mcr"

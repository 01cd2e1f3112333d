#!/bin/sh
# mc-tunnel-put --mode=upsert: a composite text key (bucket routing recomputed by
# the server), and what it refuses: an existing table keyed on other columns, a
# table without a key, a NULL key, a TRUNCATE, a partition column from the stream
# (docs/maxcompute.md "--mode=upsert").
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/t7051-odps-upsert.lib"

H='{"mcr":1,"meta":{}}'
S='{"kind":"schema","db":"d","table":"t","version":1,"pos":[1,4,0],"time":1795222800,"flags":0,"columns":[{"name":"a","mysql_type":"int","mc_type":"INT","nullable":false,"flags":0},{"name":"b","mysql_type":"varchar(8)","mc_type":"STRING","nullable":false,"flags":0},{"name":"v","mysql_type":"varchar(8)","mc_type":"STRING","nullable":true,"flags":0}],"key":[KEY]}'
row() { printf '{"kind":"row","op":"%s","db":"d","table":"t","version":1,"pos":[1,%s,0],"time":1795223000,"before":%s,"after":%s}\n{"kind":"mark","mark":"txn_end","pos":[1,%s,1],"time":1795223000,"db":"","table":"","label":""}\n' "$1" "$2" "$3" "$4" "$2"; }
stream() { # KEY
	echo "$H"
	echo "$S" | sed "s/KEY/$1/"
	row insert 100 null '[1,"x","v1"]'
	row insert 200 null '[1,"y","v2"]'
	row insert 300 null '[2,"héllo","v3"]'
	row update 400 '[1,"x","v1"]' '[1,"x","v4"]'
	row update 500 '[1,"y","v2"]' '[3,"日本","v5"]'
	row delete 600 '[2,"héllo","v3"]' null
	row insert 700 null '[2,"héllo",null]'
}
stream 0,1 >"$T/c.jsonl"
N=--name=d.t
# the streams have no trailer: through a pipe, --partial-ok
pp() { # STATE ARGS... FILE
	eval "_f=\${$#}"
	_a=
	while [ $# -gt 1 ]; do _a="$_a $1"; shift; done
	cat "$_f" | put $_a --partial-ok -
}

expect_ok "a composite key of INT and STRING (non-ASCII text)" pp s1 $N=c1 --buckets=8 "$T/c.jsonl"
final c1 "$T/c.jsonl" "the table equals the source state"
expect_eq "every PUT was taken (the server recomputes the routing)" \
	"$(curl -s "http://127.0.0.1:$ODPS_PORT/_mcsync/upserts" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["rejects"]))')" "0"

# an existing PK table keyed on other columns
$CLI sql "CREATE TABLE k2 (a INT NOT NULL, b STRING, v STRING, PRIMARY KEY (a)) TBLPROPERTIES ('transactional'='true', 'write.bucket.num'='4')" >/dev/null 2>&1
expect_code 1 "an existing table keyed on other columns exits 1" pp s2 $N=k2 "$T/c.jsonl"
expect_grep "... naming both keys" "MaxCompute table k2 is keyed on \\(a\\), d.t on \\(a, b\\)" "$T/err"
# an existing table that is not a PK table
$CLI sql "CREATE TABLE k3 (a INT, b STRING, v STRING)" >/dev/null 2>&1
expect_code 1 "an existing table without a key exits 1" pp s3 $N=k3 "$T/c.jsonl"
expect_grep "... the server says it is not a PK Delta Table" "not a PK Delta Table" "$T/err"
# an existing PK table with another column
$CLI sql "CREATE TABLE k4 (a INT NOT NULL, b STRING NOT NULL, w STRING, PRIMARY KEY (a, b)) TBLPROPERTIES ('transactional'='true')" >/dev/null 2>&1
expect_code 1 "an existing table of other columns exits 1" pp s4 $N=k4 "$T/c.jsonl"
expect_grep "... naming the column" "MaxCompute table k4 has a column 'w' that d.t does not" "$T/err"

# a source table without a key
stream "" >"$T/nokey.jsonl"
expect_code 1 "a table without a key exits 1" pp s5 $N=k5 "$T/nokey.jsonl"
expect_grep "... saying so" "d.t has no key: a PK Delta Table needs a key that the binlog's changes carry too \\(give the table a primary key, or a unique key of NOT NULL columns\\)$" "$T/err"
# a NULL key value (a nullable column in the key)
stream 0,2 >"$T/nullkey.jsonl"
expect_code 1 "a NULL key exits 1" pp s6 $N=k6 "$T/nullkey.jsonl"
expect_grep "... naming the position and the column" "position 1:700:0: key column 'v' of d.t is NULL" "$T/err"
# a TRUNCATE of the table
{ stream 0,1; echo '{"kind":"ddl","db":"d","table":"t","pos":[1,800,0],"time":1795223000,"sql":"TRUNCATE TABLE t","effect":"truncate"}'; } >"$T/trunc.jsonl"
expect_code 1 "a TRUNCATE exits 1" pp s7 $N=k7 "$T/trunc.jsonl"
expect_grep "... saying why" "which --mode=upsert cannot apply to a PK table" "$T/err"

#!/bin/sh
# mc-snapshot: a split key of one dense integer column is cut into chunks by
# arithmetic (no bound query reading chunk_rows index entries per chunk),
# and the chunks still hold every row exactly once: signed keys across
# zero, keys at the ends of BIGINT and BIGINT UNSIGNED, a key dense in one
# part and sparse in the other (ranges of the dense part hold more rows
# than planned: their reads split them), and a sparse key (planned by
# bound queries, as before).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start --log-output=FILE --general-log-file="$MDB_DIR/general.log"
sql "CREATE DATABASE s; USE s;
CREATE TABLE s.sgn (id INT PRIMARY KEY, v VARCHAR(20));
INSERT INTO s.sgn SELECT CAST(seq AS SIGNED) - 5000, CONCAT('v', seq) FROM seq_0_to_9999;
CREATE TABLE s.top (id BIGINT UNSIGNED PRIMARY KEY, v INT);
INSERT INTO s.top SELECT 18446744073709551615 - seq, seq FROM seq_0_to_2999;
CREATE TABLE s.low (id BIGINT PRIMARY KEY, v INT);
INSERT INTO s.low SELECT -9223372036854775807 - 1 + CAST(seq AS SIGNED), seq FROM seq_0_to_2999;
CREATE TABLE s.skew (id INT UNSIGNED PRIMARY KEY, v INT);
INSERT INTO s.skew SELECT seq, seq FROM seq_1_to_5000;
INSERT INTO s.skew SELECT 5000 + seq * 3, seq FROM seq_1_to_5000;
CREATE TABLE s.sparse (id INT PRIMARY KEY, v INT);
INSERT INTO s.sparse SELECT seq * 1000, seq FROM seq_1_to_3000;" >/dev/null 2>"$T/err" ||
	{ fail "create tables" "$(cat "$T/err")"; exit 1; }

sql "SET GLOBAL general_log=1"
expect_ok "--threads=3 --chunk-rows=1000" mc-snapshot $MDB_ARGS --databases=s --threads=3 --chunk-rows=1000
sql "SET GLOBAL general_log=0"
mc-cat "$T/out" >"$T/three.jsonl"
for tb in sgn top low skew; do
	expect_eq "s.$tb: no chunk bound read by OFFSET" \
		"$(grep -c "FROM \`s\`.\`$tb\`.*OFFSET" "$MDB_DIR/general.log")" 0
done
n=$(grep -c 'FROM `s`.`sparse`.*OFFSET' "$MDB_DIR/general.log")
expect_eq "s.sparse (key range 1000x its rows): bounds read by OFFSET, as before ($n)" \
	"$([ "$n" -ge 3 ] && echo yes)" yes

check_table() { # TABLE MINCHUNKS
	sql "SELECT id, v FROM s.$1" >"$T/$1.tsv"
	expect_ok "s.$1: the snapshot holds exactly the table's rows" \
		python3 "$TOP/tests/snapcmp.py" "$T/three.jsonl" s "$1" "$T/$1.tsv" 0
	python3 - "$T/three.jsonl" "$1" >"$T/chunks" <<'PY'
import json, sys
n = 0; sizes = []; ends = 0
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r.get('table') != sys.argv[2]: continue
    if r['kind'] == 'row': n += 1
    elif r['kind'] == 'mark' and r['mark'] == 'chunk_end': sizes.append(n); n = 0
    elif r['kind'] == 'mark' and r['mark'] == 'snapshot_end': ends += 1
print(len(sizes), max(sizes) if sizes else 0, ends)
PY
	read nchunks maxrows ends <"$T/chunks"
	expect_eq "s.$1: at least $2 chunks of at most 1500 rows, one snapshot_end" \
		"$([ "$nchunks" -ge "$2" ] && [ "$maxrows" -le 1500 ] && echo yes) $ends" "yes 1"
}
check_table sgn 7
check_table top 2
check_table low 2
check_table skew 7
check_table sparse 2

expect_ok "--threads=1" mc-snapshot $MDB_ARGS --databases=s --threads=1 --chunk-rows=1000
mc-cat "$T/out" >"$T/one.jsonl"
strip() { grep -E '"kind":"row"' "$1" | sed 's/"pos":\[[0-9,]*\],"time":[0-9]*,//'; }
strip "$T/one.jsonl" >"$T/one.rows"
strip "$T/three.jsonl" >"$T/three.rows"
expect_same "1 and 3 threads write the same rows in the same order" "$T/one.rows" "$T/three.rows"

#!/bin/sh
# mc-snapshot: chunking on composite, string-first, skewed and unique keys;
# --threads=1 and 4 write the same rows in the same order.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE c; USE c;
CREATE TABLE c.comp (a INT, b VARCHAR(20), v INT, PRIMARY KEY (a, b));
INSERT INTO c.comp SELECT seq % 7, CONCAT('k', seq), seq FROM seq_1_to_3000;
CREATE TABLE c.str (k VARCHAR(30) COLLATE utf8mb4_general_ci PRIMARY KEY, n INT);
INSERT INTO c.str SELECT CONCAT(CASE seq % 3 WHEN 0 THEN 'A' WHEN 1 THEN 'b' ELSE 'é' END, seq, ' \'x'), seq FROM seq_1_to_2500;
CREATE TABLE c.bin (k VARBINARY(8), d DATETIME(6), PRIMARY KEY (k, d));
INSERT INTO c.bin SELECT UNHEX(LPAD(HEX(seq % 300), 4, '0')), '2020-01-01' + INTERVAL seq SECOND + INTERVAL seq MICROSECOND FROM seq_1_to_1500;
CREATE TABLE c.skew (id BIGINT UNSIGNED PRIMARY KEY, v INT);
INSERT INTO c.skew SELECT seq, seq FROM seq_1_to_1000;
INSERT INTO c.skew SELECT 18446744073709551615 - seq, seq FROM seq_0_to_1999;
CREATE TABLE c.uk (x DATETIME(6) NOT NULL, y INT, UNIQUE KEY (x));
INSERT INTO c.uk SELECT '2000-01-01' + INTERVAL seq HOUR, seq FROM seq_1_to_700;
CREATE TABLE c.dec (d DECIMAL(20,5) PRIMARY KEY, t TIME(3) NOT NULL, UNIQUE KEY (t));
INSERT INTO c.dec SELECT (CAST(seq AS SIGNED) - 600) / 7, SEC_TO_TIME((CAST(seq AS SIGNED) - 600) * 1000.5) FROM seq_1_to_1200;
CREATE TABLE c.nokey (x INT NOT NULL, y INT);
INSERT INTO c.nokey SELECT seq, seq FROM seq_1_to_50;" 2>"$T/err" || { fail "create tables" "$(cat "$T/err")"; exit 1; }
expect_ok "--threads=1 --chunk-rows=100" mc-snapshot $MDB_ARGS --databases=c --threads=1 --chunk-rows=100
mc-cat "$T/out" >"$T/one.jsonl"
expect_grep "a table without a key is one chunk, with a warning" "c.nokey.*one chunk" "$T/err"
expect_ok "--threads=4 --chunk-rows=100" mc-snapshot $MDB_ARGS --databases=c --threads=4 --chunk-rows=100
mc-cat "$T/out" >"$T/four.jsonl"
strip() { grep -E '"kind":"(row|mark)"' "$1" | sed 's/"pos":\[[0-9,]*\],"time":[0-9]*,//'; }
strip "$T/one.jsonl" >"$T/one.rows"
strip "$T/four.jsonl" >"$T/four.rows"
expect_same "1 and 4 threads write the same rows and marks in the same order" "$T/one.rows" "$T/four.rows"
expect_ok "--consistency=lock --threads=3" mc-snapshot $MDB_ARGS --databases=c --threads=3 --chunk-rows=100 --consistency=lock
mc-cat "$T/out" >"$T/lock.jsonl"
strip "$T/lock.jsonl" >"$T/lock.rows"
expect_same "--consistency=lock writes the same rows and marks too" "$T/one.rows" "$T/lock.rows"
expect_eq "... all at one watermark" "$(grep -E '"kind":"(row|mark)"' "$T/lock.jsonl" | grep -o '"pos":\[[0-9,]*\]' | sort -u | wc -l)" 1

check_table() { # TABLE KEYCOLS SELECT-COLUMNS
	sql "SET time_zone='+00:00'; SELECT $3 FROM c.$1" >"$T/$1.tsv"
	expect_ok "c.$1: the snapshot holds exactly the table's rows" \
		python3 "$TOP/tests/snapcmp.py" "$T/four.jsonl" c "$1" "$T/$1.tsv" "$2"
	python3 - "$T/four.jsonl" "$1" >"$T/chunks" <<'PY'
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
}
check_table comp 0,1 "a, b, v"
read nchunks maxrows ends <"$T/chunks"
expect_eq "c.comp (composite key): 30 chunks of at most 150 rows, one snapshot_end" \
	"$([ "$nchunks" -ge 30 ] && [ "$maxrows" -le 150 ] && echo yes) $ends" "yes 1"
check_table str 0 "k, n"
read nchunks maxrows ends <"$T/chunks"
expect_eq "c.str (string key): chunks of at most 150 rows" "$([ "$nchunks" -ge 25 ] && [ "$maxrows" -le 150 ] && echo yes) $ends" "yes 1"
check_table bin 0,1 "TO_BASE64(k), d"
read nchunks maxrows ends <"$T/chunks"
expect_eq "c.bin (binary, datetime key): chunks of at most 150 rows" "$([ "$nchunks" -ge 15 ] && [ "$maxrows" -le 150 ] && echo yes) $ends" "yes 1"
check_table skew 0 "id, v"
read nchunks maxrows ends <"$T/chunks"
expect_eq "c.skew (skewed BIGINT UNSIGNED key): chunks of at most 150 rows" "$([ "$nchunks" -ge 30 ] && [ "$maxrows" -le 150 ] && echo yes) $ends" "yes 1"
check_table uk 0 "x, y"
read nchunks maxrows ends <"$T/chunks"
expect_eq "c.uk (unique DATETIME key): chunks of at most 150 rows" "$([ "$nchunks" -ge 7 ] && [ "$maxrows" -le 150 ] && echo yes) $ends" "yes 1"
expect_grep "c.uk's schema names its unique key, the server's primary key (flags 0, as in the binlog)" '"kind":"schema".*"table":"uk".*"flags":0,.*"key":\[0\]' "$T/four.jsonl"
check_table dec 0 "d, t"
read nchunks maxrows ends <"$T/chunks"
expect_eq "c.dec (negative DECIMAL key): chunks of at most 150 rows" "$([ "$nchunks" -ge 12 ] && [ "$maxrows" -le 150 ] && echo yes) $ends" "yes 1"
expect_ok "--split-key on a TIME column" mc-snapshot $MDB_ARGS --databases=c --tables=dec --split-key=c.dec:t --chunk-rows=100
mc-cat "$T/out" >"$T/dect.jsonl"
sql "SELECT d, t FROM c.dec" >"$T/dect.tsv"
expect_ok "... holds every row" python3 "$TOP/tests/snapcmp.py" "$T/dect.jsonl" c dec "$T/dect.tsv"
expect_eq "... in 13 chunks" "$(grep -c '"mark":"chunk_end"' "$T/dect.jsonl")" 13
check_table nokey 0 "x, y"
expect_ok "--split-key declares a key" mc-snapshot $MDB_ARGS --databases=c --tables=nokey --split-key=c.nokey:x --chunk-rows=10
mc-cat "$T/out" >"$T/nk.jsonl"
expect_grep "... flagged key_declared in the schema" '"kind":"schema".*"table":"nokey".*"flags":4,.*"key":\[0\]' "$T/nk.jsonl"
expect_eq "... and splits the table (5 chunks and the empty open end)" "$(grep -c '"mark":"chunk_end"' "$T/nk.jsonl")" 6

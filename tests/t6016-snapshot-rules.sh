#!/bin/sh
# mc-snapshot --rules=FILE: mc-transform's rules file drives the snapshot
# too. Its select narrows the selection, full_load skips tables (skip: true)
# or loads only the rows of a WHERE (chunked tables included: the condition
# ANDed with each chunk's range, the chunks and watermarks unchanged). A
# WHERE the server refuses stops the run before anything is written, exit 1,
# naming the table and the rules file's line; two entries for one table, or a
# --where beside a full_load where, are usage errors.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
sql "CREATE DATABASE shop; USE shop;
CREATE TABLE order_0 (id INT PRIMARY KEY, amount INT, note VARCHAR(10));
CREATE TABLE order_1 LIKE order_0; CREATE TABLE order_2 LIKE order_0;
CREATE TABLE order_3 LIKE order_0;
CREATE TABLE big_log (id INT PRIMARY KEY, msg VARCHAR(20));
CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(20));
CREATE TABLE nokey (v INT);
CREATE DATABASE tmp; CREATE TABLE tmp.scratch (id INT PRIMARY KEY);
INSERT INTO order_0 SELECT seq, seq % 23, 'a' FROM seq_1_to_60;
INSERT INTO order_1 SELECT seq, seq % 17, 'b' FROM seq_100_to_150;
INSERT INTO order_2 SELECT seq, seq % 5, 'c' FROM seq_200_to_230;
INSERT INTO order_3 SELECT seq, seq % 31, NULL FROM seq_300_to_390;
INSERT INTO big_log SELECT seq, 'x' FROM seq_1_to_50;
INSERT INTO users VALUES (1, 'ann'), (2, 'bob');
INSERT INTO nokey SELECT seq FROM seq_1_to_9;
INSERT INTO tmp.scratch VALUES (1), (2);" || fail "the tables" "sql failed"

cat >"$T/sync.yaml" <<'YAML'
version: 1
select:
  include:
    - db: shop
  exclude:
    - table: users
full_load:
  - table: /order_[0-9]+/
    where: "amount >= 10 AND note IS NOT NULL"
  - table: big_log
    skip: true
  - table: nokey
    where: "v % 3 = 0"
YAML

# the rows a table gives: "table id" lines, sorted
rows() { mc-cat "$1" | grep '"kind":"row"' | sed 's/.*"table":"\([^"]*\)".*"after":\[\([0-9]*\).*/\1 \2/' | sort; }

expect_ok "mc-snapshot --rules, chunked" mc-snapshot $MDB_ARGS --rules="$T/sync.yaml" --chunk-rows=7 --threads=3
cp "$T/out" "$T/snap.mcr"
expect_eq "schema records of the selected tables not skipped" \
	"$(mc-cat "$T/snap.mcr" | grep '"kind":"schema"' | sed 's/.*"table":"\([^"]*\)".*/\1/' | tr '\n' ' ')" \
	"nokey order_0 order_1 order_2 order_3 "
rows "$T/snap.mcr" >"$T/got"
{
	for i in 0 1 2 3; do
		sql "SELECT CONCAT('order_$i ', id) FROM shop.order_$i WHERE amount >= 10 AND note IS NOT NULL"
	done
	sql "SELECT CONCAT('nokey ', v) FROM shop.nokey WHERE v % 3 = 0"
} | sort >"$T/want"
expect_same "the rows are exactly those of the full_load where" "$T/got" "$T/want"
expect_eq "... none of order_3 (its notes are NULL)" "$(grep -c '^order_3 ' "$T/got")" 0
n=$(mc-cat "$T/snap.mcr" | grep '"mark":"chunk_end"' | grep -c '"table":"order_0"')
[ "$n" -ge 8 ] && ok "order_0 is read in chunks of its whole key range ($n)" ||
	fail "order_0 is read in chunks of its whole key range" "$n chunk_end marks"
expect_eq "each table ends with its snapshot_end" \
	"$(mc-cat "$T/snap.mcr" | grep -c '"mark":"snapshot_end"')" 5
mc-cat "$T/snap.mcr" | awk '
	/"kind":"row"/ { match($0, /"table":"[^"]*"/); t = substr($0, RSTART, RLENGTH)
		match($0, /"pos":\[[^]]*\]/); p[t] = substr($0, RSTART, RLENGTH); next }
	/"mark":"chunk_end"/ { match($0, /"table":"[^"]*"/); t = substr($0, RSTART, RLENGTH)
		match($0, /"pos":\[[^]]*\]/); if (t in p && p[t] != substr($0, RSTART, RLENGTH)) bad++
		delete p[t] }
	END { exit bad > 0 }' && ok "every row carries its chunk's watermark" ||
	fail "every row carries its chunk's watermark" "a row and its chunk_end differ"
expect_ok "the same rules file checks in mc-transform" mc-transform --rules="$T/sync.yaml" --check --schema="$T/snap.mcr"
expect_grep "... whose mapping follows its select" '^shop\.order_1 -> shop_order_1$' "$T/out"

expect_ok "with a checkpoint" mc-snapshot $MDB_ARGS --rules="$T/sync.yaml" --chunk-rows=7 --checkpoint="$T/ck"
expect_grep "... the tables taken are checkpointed" '^table\.shop\.order_2 done$' "$T/ck"
expect_code 1 "... big_log (skipped) is not" grep -q big_log "$T/ck"

expect_ok "--rules beside --tables: both narrow" mc-snapshot $MDB_ARGS --rules="$T/sync.yaml" '--tables=order_[12]$'
expect_eq "... to the tables both take" \
	"$(mc-cat "$T/out" | grep '"kind":"schema"' | sed 's/.*"table":"\([^"]*\)".*/\1/' | tr '\n' ' ')" "order_1 order_2 "

cat >"$T/bad.yaml" <<'YAML'
full_load:
  - table: users
    where: "id > 0"
  - db: shop
    table: order_2
    where: "amount >>= 3"
YAML
expect_code 1 "a where the server refuses exits 1" mc-snapshot $MDB_ARGS --databases=shop --rules="$T/bad.yaml"
expect_grep "... naming the table and the rules file's line" \
	"table 'shop\.order_2': the full_load where at $T/bad\.yaml:6:13 \(amount >>= 3\) is refused by the server: .*SQL syntax" "$T/err"
expect_eq "... before anything is written" "$(wc -c <"$T/out")" 0

cat >"$T/two.yaml" <<'YAML'
full_load:
  - table: /order_.*/
    where: "id > 0"
  - table: order_1
    skip: true
YAML
expect_code 2 "a table two full_load entries match exits 2" mc-snapshot $MDB_ARGS --databases=shop --rules="$T/two.yaml"
expect_grep "... naming both" "table 'shop\.order_1': two full_load entries match it \($T/two\.yaml:3:13 and $T/two\.yaml:4:5\)" "$T/err"
expect_code 2 "--where and a full_load where for one table exit 2" \
	mc-snapshot $MDB_ARGS --rules="$T/sync.yaml" '--where=shop.order_1:id > 3'
expect_grep "... naming the rules' place" "table 'shop\.order_1': --where and the full_load where at $T/sync\.yaml:9:13 both" "$T/err"
expect_code 2 "--where for a table full_load skips exits 2" \
	mc-snapshot $MDB_ARGS --rules="$T/sync.yaml" '--where=shop.big_log:id > 3'
expect_grep "... naming the skip's place" "table 'shop\.big_log': --where and the full_load skip at $T/sync\.yaml:10:5 both" "$T/err"

cat >"$T/skip.yaml" <<'YAML'
full_load:
  - skip: true
YAML
expect_code 1 "every table skipped: nothing to snapshot, exit 1" mc-snapshot $MDB_ARGS --databases=shop --rules="$T/skip.yaml"
expect_grep "... saying why" "no table matches the selection \(--databases=shop --rules=$T/skip\.yaml; 7 tables matched but full_load skip them\)" "$T/err"

# rules-file errors: file, line and column, exit 2, before connecting
printf 'full_load:\n  - table: t\n    skip: maybe\n' >"$T/e1.yaml"
expect_code 2 "skip: maybe" mc-snapshot $MDB_ARGS --rules="$T/e1.yaml"
expect_grep "... at its line and column" "e1\.yaml:3:11: full_load\.skip: 'maybe' \(want true or false\)" "$T/err"
printf 'full_load:\n  - table: t\n    skip: true\n    where: "a = 1"\n' >"$T/e2.yaml"
expect_code 2 "skip and where in one entry" mc-snapshot $MDB_ARGS --rules="$T/e2.yaml"
expect_grep "... refused" "e2\.yaml:4:13: full_load: an entry skips the full load or gives its where, not both" "$T/err"
printf 'full_load:\n  - table: t\n    wher: "a = 1"\n' >"$T/e3.yaml"
expect_code 2 "an unknown key" mc-transform --rules="$T/e3.yaml" --check
expect_grep "... in mc-transform too" "e3\.yaml:3:5: full_load: unknown key \(want db, table, skip, where\)" "$T/err"
printf 'full_load:\n  - table: t\n' >"$T/e4.yaml"
expect_code 2 "an entry with neither" mc-snapshot $MDB_ARGS --rules="$T/e4.yaml"
expect_grep "... refused" "e4\.yaml:2:5: full_load: an entry has skip: true or a where" "$T/err"
printf 'full_load:\n  - table: t\n    where: "  "\n' >"$T/e5.yaml"
expect_code 2 "an empty where" mc-snapshot $MDB_ARGS --rules="$T/e5.yaml"
expect_code 2 "a missing rules file" mc-snapshot $MDB_ARGS --rules="$T/none.yaml"

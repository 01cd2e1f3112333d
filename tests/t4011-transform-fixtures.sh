#!/bin/sh
# CI fixtures (issue 14 item 8; docs/rules.md "mask", "sample", "limit") on
# a throwaway MariaDB: masks (a keyed hash, a plain hash of an INT, a
# constant, keep-format fakes of ASCII and CJK texts), a deterministic 25%
# sample of keys taken by separate snapshot and change runs, with updates
# that move keys into and out of the sample, and a limit of 10 rows taken
# by one run. The warehouse built from the snapshot and the changes equals
# the same rules applied to a fresh snapshot of the final tables; marks
# pass; the same input gives the same bytes; every refusal and every
# rules-file error of the sections is tested.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
sql "CREATE DATABASE shop; USE shop;
CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(60), phone VARCHAR(20), name VARCHAR(30),
  city VARCHAR(20), score INT);
INSERT INTO users SELECT seq, CONCAT('u', seq, '@example.com'), CONCAT('+86-138', LPAD(seq, 8, '0')),
  IF(seq % 3 = 0, CONCAT('张', seq, '三'), CONCAT('Name', seq)), IF(seq % 5 = 0, NULL, 'Hangzhou'),
  seq * 7 FROM seq_1_to_200;
CREATE TABLE orders (id INT PRIMARY KEY, uid INT, amount INT);
INSERT INTO orders SELECT seq, seq % 200 + 1, seq % 97 FROM seq_1_to_300;
CREATE TABLE small (id INT PRIMARY KEY, v VARCHAR(10));
INSERT INTO small SELECT seq, CONCAT('v', seq) FROM seq_1_to_50;
CREATE TABLE nokey (a INT, b INT);
INSERT INTO nokey VALUES (1, 2);" || { fail "setup" "sql failed"; exit 1; }

cat >"$T/sync.yaml" <<'YAML'
version: 1
select:
  include: [ {db: shop, table: /users|orders/} ]
names:
  template: "${table}"
mask:
  - {table: users, column: email, with: hash, key: "${mask_key}"}
  - {table: users, column: phone, with: fake, key: "${mask_key}"}
  - {table: users, column: /na.e/, with: fake}
  - {table: users, column: city, with: constant, value: "***"}
  - {table: users, column: score, with: hash}
sample:
  - {db: shop, table: /users|orders/, percent: 25}
YAML
cat >"$T/lim.yaml" <<'YAML'
select:
  include: [ {db: shop, table: small} ]
names: {template: "${table}"}
limit:
  - {table: small, rows: 10}
YAML
P="--param mask_key=s3cret"

mc-snapshot $MDB_ARGS --chunk-rows=40 >"$T/snap.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-snapshot: $(cat "$T/err")"; exit 1; }
expect_ok "the snapshot through mask and sample" mc-transform --rules="$T/sync.yaml" $P "$T/snap.mcr"
cp "$T/out" "$T/snap.t.mcr"
mc-transform --rules="$T/sync.yaml" $P <"$T/snap.mcr" >"$T/again.mcr"
expect_same "the same input and rules give the same bytes" "$T/snap.t.mcr" "$T/again.mcr"
mc-cat "$T/snap.t.mcr" >"$T/snap.t.jsonl"
mc-cat "$T/snap.mcr" >"$T/snap.jsonl"
jq -c 'select(.kind == "mark")' "$T/snap.jsonl" | sed 's/"table":"[a-z]*",//' >"$T/marks.want"
jq -c 'select(.kind == "mark")' "$T/snap.t.jsonl" | sed 's/"table":"[a-z]*",//' >"$T/marks.got"
expect_same "every mark passes" "$T/marks.got" "$T/marks.want"
expect_grep "a hashed column becomes STRING" '"name":"score","mysql_type":"longtext","mc_type":"STRING"' "$T/snap.t.jsonl"
expect_grep "a faked column keeps its type" '"name":"phone","mysql_type":"varchar[(]20[)]"' "$T/snap.t.jsonl"

# the sample: the keys whose FNV-1a 64 modulo 10000 is below 2500 (as
# hash_mod(id, 10000) < 2500), the same on both tables
cat >"$T/fnv.py" <<'PY'
import sys
def fnv(s):
    h = 14695981039346656037
    for b in s.encode():
        h = ((h ^ b) * 1099511628211) & 0xffffffffffffffff
    return h
for line in sys.stdin:
    if fnv(line.strip()) % 10000 < 2500:
        print(line.strip())
PY
for t in users orders; do
	sql "SELECT id FROM shop.$t" | python3 "$T/fnv.py" | sort -n >"$T/ids.want"
	jq -r "select(.kind == \"row\" and .table == \"$t\") | .after[0]" "$T/snap.t.jsonl" | sort -n >"$T/ids.got"
	expect_same "$t: the sampled keys are those of the hash" "$T/ids.got" "$T/ids.want"
done
n=$(wc -l <"$T/ids.want")
expect_ok "... a share near 25% ($n of 300)" test "$n" -gt 40 -a "$n" -lt 110

# the masks, against python's hashes
jq -r 'select(.kind == "row" and .table == "users") | .after | @tsv' "$T/snap.t.jsonl" | sort -n >"$T/masked.tsv"
sql "SELECT id, email, phone, name, IFNULL(city, '(null)'), score FROM shop.users" | sort -n >"$T/plain.tsv"
python3 - "$T/masked.tsv" "$T/plain.tsv" >"$T/maskcheck" <<'PY'
import hashlib, hmac, sys, unicodedata
plain = {l.split('\t')[0]: l.rstrip('\n').split('\t') for l in open(sys.argv[2], encoding='utf-8')}
bad = 0
def form(a, b):
    if len(a) != len(b) or a == b:
        return False
    for x, y in zip(a, b):
        if x.isascii() != y.isascii() or len(x.encode()) != len(y.encode()):
            return False
        if x.isascii() and (x.isdigit() != y.isdigit() or x.islower() != y.islower() or
                            x.isupper() != y.isupper() or (not x.isalnum() and x != y)):
            return False
    return True
for l in open(sys.argv[1], encoding='utf-8'):
    i, email, phone, name, city, score = l.rstrip('\n').split('\t')
    p = plain[i]
    ok = (email == hmac.new(b's3cret', p[1].encode(), hashlib.sha256).hexdigest() and
          score == hashlib.sha256(p[5].encode()).hexdigest() and
          city == ('' if p[4] == '(null)' else '***') and form(phone, p[2]) and form(name, p[3]))
    if not ok:
        bad += 1
        print('bad', i, l.strip(), p)
print('bad', bad)
PY
expect_eq "hash (keyed and plain), constant (NULL stays NULL), fakes of the same form" "$(tail -1 "$T/maskcheck")" "bad 0"
expect_grep "a CJK name faked to CJK of the same length" '张' "$T/plain.tsv"

W=$T/w
expect_ok "the snapshot into a warehouse" mc-tunnel-put --dest="$W" "$T/snap.t.mcr"

# the changes: key moves into and out of the sample, inserts, deletes
sql "USE shop;
UPDATE users SET id = id + 1000 WHERE id <= 60;
UPDATE users SET score = score + 1, name = CONCAT(name, 'x') WHERE id BETWEEN 61 AND 120;
INSERT INTO users SELECT seq, CONCAT('n', seq, '@example.com'), '0571-1234', 'New', 'Ningbo', seq
  FROM seq_300_to_360;
UPDATE orders SET id = id + 5000 WHERE id % 3 = 0;
DELETE FROM orders WHERE id % 7 = 0;
UPDATE small SET v = 'x' WHERE id IN (5, 30);
DELETE FROM small WHERE id IN (3, 20);
UPDATE small SET id = 105 WHERE id = 5;
UPDATE small SET id = 131 WHERE id = 31;
INSERT INTO small VALUES (200, 'in'), (201, 'out');
FLUSH BINARY LOGS" || fail "setup" "sql failed"
set -- $(mc-cat --to=summary "$T/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
first=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
mc-binlog-tail --from="$first:$2" "$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/ch.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-binlog-tail: $(cat "$T/err")"; exit 1; }
expect_ok "the changes through mask and sample (a run of their own)" mc-transform --rules="$T/sync.yaml" $P "$T/ch.mcr"
cp "$T/out" "$T/ch.t.mcr"
mc-cat "$T/ch.t.mcr" >"$T/ch.t.jsonl"
expect_eq "the source has no deletes of users" "$(mc-cat "$T/ch.mcr" | jq -c 'select(.kind == "row" and .table == "users" and .op == "delete")' | wc -l)" 0
expect_ok "... an update leaving the sample became a delete of the before image" \
	test "$(jq -c 'select(.kind == "row" and .table == "users" and .op == "delete" and .after == null)' "$T/ch.t.jsonl" | wc -l)" -gt 3
expect_ok "... one entering it an insert of the after image" \
	test "$(jq -c 'select(.kind == "row" and .table == "users" and .op == "insert" and .before == null and .after[0] > 1000)' "$T/ch.t.jsonl" | wc -l)" -gt 3
mc-cat "$T/ch.mcr" | jq -c 'select(.kind == "mark")' >"$T/marks.want"
jq -c 'select(.kind == "mark")' "$T/ch.t.jsonl" >"$T/marks.got"
expect_same "every mark of the changes passes" "$T/marks.got" "$T/marks.want"
expect_ok "the changes into the warehouse" mc-tunnel-put --dest="$W" "$T/ch.t.mcr"

# the warehouse equals the rules applied to a snapshot of the final tables
mc-snapshot $MDB_ARGS --chunk-rows=40 >"$T/snap2.mcr" 2>"$T/err" || fail "setup" "snapshot 2: $(cat "$T/err")"
mc-transform --rules="$T/sync.yaml" $P "$T/snap2.mcr" >"$T/snap2.t.mcr" || fail "setup" "transform 2"
last=$(mc-cat --to=summary "$T/ch.mcr" | sed -n 's/^positions: .* \.\. \([0-9]*:[0-9]*:[0-9]*\).*/\1/p')
for t in users orders; do
	mc-merge --warehouse="$W" --table=$t --at="$last" --output=- 2>"$T/merr" |
		mc-cat --to=csv --table=shop.$t | sort >"$T/got.csv"
	mc-cat --to=csv --table=shop.$t "$T/snap2.t.mcr" | sort >"$T/want.csv"
	expect_ok "$t: the merge has rows" test "$(wc -l <"$T/want.csv")" -gt 40
	expect_same "$t: the sampled, masked warehouse equals the rules on the final tables" "$T/got.csv" "$T/want.csv"
done

# limit: one run over the snapshot and its changes
expect_ok "limit: the snapshot and the changes in one run" mc-transform --rules="$T/lim.yaml" "$T/snap.mcr" "$T/ch.mcr"
cp "$T/out" "$T/lim.mcr"
expect_eq "... the snapshot's first 10 rows" \
	"$(mc-cat "$T/lim.mcr" | jq -r 'select(.kind == "row" and .op == "snapshot") | .after[0]' | tr '\n' ' ')" \
	"1 2 3 4 5 6 7 8 9 10 "
W2=$T/w2
expect_ok "... into a warehouse" mc-tunnel-put --dest="$W2" "$T/lim.mcr"
mc-merge --warehouse="$W2" --table=small --at="$last" --output=- 2>"$T/merr" |
	mc-cat --to=csv --table=shop.small | tail -n +2 | sort >"$T/got.csv"
sql "SELECT CONCAT_WS(',', id, v) FROM shop.small WHERE id IN (1, 2, 4, 6, 7, 8, 9, 10, 105, 200)" | sort >"$T/want.csv"
expect_same "... the kept keys' rows: a kept key moved stays, a delete frees a place, the next insert takes it" \
	"$T/got.csv" "$T/want.csv"
mc-transform --rules="$T/lim.yaml" "$T/snap.mcr" "$T/ch.mcr" >"$T/lim2.mcr"
expect_same "... the same bytes again" "$T/lim2.mcr" "$T/lim.mcr"

# refusals (exit 1)
expect_code 1 "limit: a change before the table's snapshot in the run" mc-transform --rules="$T/lim.yaml" "$T/ch.mcr"
expect_grep "... names the rule and what to do" "mc-transform: '.*ch.mcr': record [0-9]*: position [0-9:]*: table 'shop.small': a change before the table's snapshot in this run: the limit rule at .*lim.yaml:5:6 " "$T/err"
cat >"$T/r1.yaml" <<'YAML'
mask:
  - {table: small, column: id, with: fake}
YAML
expect_code 1 "a fake of a key column" mc-transform --rules="$T/r1.yaml" "$T/snap.mcr"
expect_grep "... refused" "table 'shop.small': column 'id' is of the key: the mask rule at .*r1.yaml:2:6 \\(with: fake\\) would make keys collide: mask a key column with: hash" "$T/err"
cat >"$T/r2.yaml" <<'YAML'
mask:
  - {table: users, column: /id|score/, with: constant, value: x}
YAML
expect_code 1 "a constant on a key column" mc-transform --rules="$T/r2.yaml" "$T/snap.mcr"
cat >"$T/r3.yaml" <<'YAML'
mask:
  - {table: users, column: score, with: fake}
YAML
expect_code 1 "a fake of an INT column" mc-transform --rules="$T/r3.yaml" "$T/snap.mcr"
expect_grep "... refused" "column 'score' is int: the mask rule at .*r3.yaml:2:6 \\(with: fake\\) keeps a text's form, the column is not a text: use hash or constant" "$T/err"
cat >"$T/r4.yaml" <<'YAML'
sample:
  - {table: nokey, percent: 50}
YAML
expect_code 1 "a sample of a table without a key" mc-transform --rules="$T/r4.yaml" "$T/snap.mcr"
expect_grep "... refused" "table 'shop.nokey' \\(schema version 1\\) has no key: the sample rule at .*r4.yaml:2:6 keeps rows by their key" "$T/err"
expect_code 2 "a \${NAME} key that no --param gives" mc-transform --rules="$T/sync.yaml" "$T/snap.mcr"
expect_grep "... names its place" 'sync.yaml:7:53: \${mask_key}: no such parameter' "$T/err"

# rules-file errors (exit 2, FILE:LINE:COL)
rules_err() { # NAME WANT (the rules on stdin)
	cat >"$T/bad.yaml"
	expect_code 2 "rules error: $1" mc-transform --rules="$T/bad.yaml" --check
	expect_eq "... $2" "$(sed 's/^mc-transform: .*bad\.yaml://' "$T/err")" "$2"
}
printf 'mask: {a: 1}\n' | rules_err "mask not a list" "1:8: mask: expected a list of {table: ..., column: ..., with: ...}"
printf 'mask:\n  - 3\n' | rules_err "a mask entry not a mapping" "2:5: mask: an entry is a mapping (db, table, column, with, value, key)"
printf 'mask:\n  - {column: a, with: hash, salt: x}\n' | rules_err "an unknown key" "2:29: mask: unknown key (want db, table, column, with, value, key)"
printf 'mask:\n  - {table: t, with: hash}\n' | rules_err "no column" "2:6: mask: an entry names its column (a name or /RE/)"
printf 'mask:\n  - {column: a}\n' | rules_err "no with" "2:6: mask: an entry says with: hash, constant or fake"
printf 'mask:\n  - {column: a, with: blur}\n' | rules_err "a bad with" "2:23: mask.with: 'blur' (want hash, constant or fake)"
printf 'mask:\n  - {column: a, with: constant}\n' | rules_err "a constant without value" "2:23: mask: with: constant needs value: TEXT"
printf 'mask:\n  - {column: a, with: hash, value: x}\n' | rules_err "a value without constant" "2:29: mask.value: only with: constant"
printf 'mask:\n  - {column: a, with: constant, value: x, key: k}\n' | rules_err "a key with constant" "2:43: mask.key: only with: hash or fake"
printf 'mask:\n  - {column: a, with: hash, key: "$k"}\n' | rules_err "a bad key" "2:35: mask.key: '\$k': a key is a text without '\$' or one \${NAME} (a --param)"
printf 'mask:\n  - {column: a, with: hash, key: ""}\n' | rules_err "an empty key" "2:35: mask.key: empty (leave it out for a plain hash)"
printf 'mask:\n  - {column: "/a(/", with: hash}\n' | rules_err "a bad column RE" "2:15: mask.column: bad regular expression /a(/: Unmatched ( or \\("
printf 'mask:\n  - {column: a, with: [hash]}\n' | rules_err "with not a text" "2:24: mask.with: expected a text"
printf 'sample: {a: 1}\n' | rules_err "sample not a list" "1:10: sample: expected a list of {table: ..., percent: ...}"
printf 'sample:\n  - {table: t}\n' | rules_err "no percent" "2:6: sample: an entry gives percent"
for v in 0 101 1.234 abc -5 100.01 .5; do
	printf 'sample:\n  - {table: t, percent: %s}\n' "$v" | rules_err "percent $v" "2:25: sample.percent: '$v': want a number above 0 and at most 100, with at most 2 decimals"
done
printf 'sample:\n  - {table: t, rows: 3}\n' | rules_err "a limit's key in sample" "2:16: sample: unknown key (want db, table, percent)"
printf 'sample:\n  - x\n' | rules_err "a sample entry not a mapping" "2:5: sample: an entry is a mapping (db, table, percent)"
printf 'limit:\n  - {table: t}\n' | rules_err "no rows" "2:6: limit: an entry gives rows"
for v in 0 10000001 1e3 -1; do
	printf 'limit:\n  - {table: t, rows: %s}\n' "$v" | rules_err "rows $v" "2:22: limit.rows: '$v': want a number of rows, 1 to 10000000"
done
printf 'limit: 5\n' | rules_err "limit not a list" "1:8: limit: expected a list of {table: ..., rows: ...}"
printf 'limit:\n  - {db: "/(/", rows: 3}\n' | rules_err "a bad db RE" "2:11: limit.db: bad regular expression /(/: Unmatched ( or \\("
printf 'masks: []\n' | rules_err "a section misspelt" "1:1: unknown key (want version, select, names) or a rule section (dml, ddl, columns, types, dirty, full_load, merge, partitions, mask, sample, limit)"

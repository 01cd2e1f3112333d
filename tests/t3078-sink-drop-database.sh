#!/bin/sh
# DROP DATABASE (or SCHEMA, IF EXISTS) of a database whose tables the
# warehouse holds: mc-binlog-tail writes it as one ddl record without a
# table (effect other); mc-tunnel-put keeps it as a DROP marker of each
# table of that database it holds, at its position (docs/merge.md "DDL",
# docs/mc-tunnel-put.md). Before, the record was passed over: after `DROP
# DATABASE d; CREATE DATABASE d; CREATE TABLE d.t ...; INSERT ...` the
# merge of d.t held the rows from before the drop beside the new ones,
# exit 0 everywhere. A throwaway MariaDB, a snapshot of d.t, d.u and e.v,
# changes with the DROP; into a local warehouse and into the local
# MaxCompute server, and through mc-transform's names; merged at the end:
# d.t holds its new rows only, d.u (created again, empty) none, e.v is
# untouched; d.u merged at the DROP is gone (exit 1, naming the DROP
# DATABASE); a rerun keeps the markers once; DROP DATABASE Md drops
# Md.Tb, not md.x; a second server's d.z is untouched; merged tables:
# of one database, one DROP; of two, refused. The dts layout in MaxCompute.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
. "$(dirname "$0")/mariadb.sh"
need sqlite3

mdb_start
sql "CREATE DATABASE d; CREATE DATABASE e;
     CREATE TABLE d.t (id INT PRIMARY KEY, v INT);
     CREATE TABLE d.u (id INT PRIMARY KEY, v INT);
     CREATE TABLE e.v (id INT PRIMARY KEY, v INT);
     INSERT INTO d.t VALUES (1,1),(2,2);
     INSERT INTO d.u VALUES (1,1);
     INSERT INTO e.v VALUES (1,1),(2,2);
     CREATE DATABASE \`Md\`; CREATE DATABASE md;
     CREATE TABLE \`Md\`.\`Tb\` (id INT PRIMARY KEY); CREATE TABLE md.x (id INT PRIMARY KEY);
     INSERT INTO \`Md\`.\`Tb\` VALUES (1); INSERT INTO md.x VALUES (1)" ||
	{ fail "setup" "sql failed"; exit 1; }
mc-snapshot $MDB_ARGS --databases=d,e,Md,md >"$T/snap.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-snapshot: $(cat "$T/err")"; exit 1; }
# the DROP in a spelling of its own: a versioned comment (the client
# strips the others), case, IF EXISTS, backquotes
sql "INSERT INTO d.t VALUES (3,3); UPDATE e.v SET v = 20 WHERE id = 2;
     drop /*!40000 SCHEMA */ if EXISTS \`d\`; CREATE DATABASE d;
     CREATE TABLE d.t (id INT PRIMARY KEY, v INT); INSERT INTO d.t VALUES (10,10),(11,11);
     INSERT INTO e.v VALUES (3,3); CREATE TABLE d.u (id INT PRIMARY KEY, v INT);
     DROP DATABASE Md;
     FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
mdb_changes "$T/snap.mcr" "$T/changes.mcr"
mc-cat "$T/changes.mcr" >"$T/changes.jsonl"
posof() { sed 's/.*"pos":\[\([0-9]*\),\([0-9]*\),\([0-9]*\)\].*/\1:\2:\3/'; }
expect_grep "the tail writes the DROP as one record of database d without a table, effect other" \
	'"kind":"ddl","db":"d","table":"",.*SCHEMA \*/ if EXISTS.*"effect":"other"' "$T/changes.jsonl"
DROP=$(grep '"kind":"ddl".*SCHEMA \*/ if EXISTS' "$T/changes.jsonl" | posof)
UC=$(grep '"kind":"ddl","db":"d","table":"u".*"effect":"create"' "$T/changes.jsonl" | posof)
AT=$(mc-cat --to=summary "$T/changes.mcr" | sed -n 's/^positions: .* \.\. //p')
[ -n "$DROP" ] && [ -n "$UC" ] && [ -n "$AT" ] || { fail "setup" "positions '$DROP' '$UC' '$AT'"; exit 1; }

# rows of a merged state as "id|v", sorted
rows() { mc-cat "$1" | grep '"kind":"row"' |
	sed 's/.*"after":\[\([^],]*\),\([^]]*\)\].*/\1|\2/' | sort -n; }

expect_ok "the snapshot goes into the local warehouse" mc-tunnel-put --dest="$T/w" "$T/snap.mcr"
expect_ok "the changes too" mc-tunnel-put --dest="$T/w" "$T/changes.mcr"
expect_ok "a rerun of the changes is a repeat" mc-tunnel-put --dest="$T/w" "$T/changes.mcr"
for f in "$T"/w/d__u_log/ds=*/part-*.mcr.zst; do mc-cat "$f"; done >"$T/u.jsonl"
expect_eq "d__u's log holds one DROP at the DROP DATABASE's position, named by its statement" \
	"$(grep '"kind":"ddl"' "$T/u.jsonl" | grep '"effect":"drop"' | grep -c "\"pos\":\[$(echo "$DROP" | tr : ,)\].*SCHEMA \*/ if EXISTS")" 1
for f in "$T"/w/e__v_log/ds=*/part-*.mcr.zst; do mc-cat "$f"; done >"$T/v.jsonl"
expect_eq "e__v's log holds no DDL" "$(grep -c '"kind":"ddl"' "$T/v.jsonl")" 0

expect_ok "d.t merged at the end" mc-merge --warehouse="$T/w" --table=d__t --at="$AT" --output="$T/t.mcr"
expect_eq "... holds the rows inserted after the DROP DATABASE only" "$(rows "$T/t.mcr" | tr '\n' ' ')" "10|10 11|11 "
expect_ok "d.u merged at the end" mc-merge --warehouse="$T/w" --table=d__u --at="$AT" --output="$T/u.mcr"
expect_eq "... is empty (dropped, created again)" "$(rows "$T/u.mcr" | wc -l)" 0
expect_code 1 "d.u merged at the DROP DATABASE: the table is gone" \
	mc-merge --warehouse="$T/w" --table=d__u --at="$DROP" --output="$T/u0.mcr"
expect_grep "... naming the DROP DATABASE and its position" \
	"table 'd__u': .*SCHEMA \*/ if EXISTS .* at position $DROP .*the table is gone" "$T/err"
expect_ok "e.v merged at the end" mc-merge --warehouse="$T/w" --table=e__v --at="$AT" --output="$T/v.mcr"
expect_eq "... untouched" "$(rows "$T/v.mcr" | tr '\n' ' ')" "1|1 2|20 3|3 "
for f in "$T"/w/*/ds=*/part-*.mcr.zst; do mc-cat "$f"; done | grep '"kind":"ddl"' >"$T/ddl.jsonl"
expect_eq "DROP DATABASE Md (a name of capitals: its ledger keys are hex): one DROP of Md.Tb, none of md.x" \
	"$(grep 'DROP DATABASE Md' "$T/ddl.jsonl" | sed 's/.*"db":"\([^"]*\)","table":"\([^"]*\)".*"effect":"\([a-z]*\)".*/\1.\2 \3/')" "Md.Tb drop"
expect_eq "... as the server holds d.t" "$(sql "SELECT id, v FROM d.t" | tr '\t' '|' | sort -n | tr '\n' ' ')" "10|10 11|11 "

# the same into MaxCompute, merged there
ODPS_PROJECT=p1,p2
odps_start srv || exit 1
DB=$T/srv/p1.db
OD="--dest=odps://p1 --odps-config=$ODPS_CONF"
put() { mc-tunnel-put $OD --state="$T/s" --retry-time=0.2 "$@"; }
expect_ok "the snapshot goes into MaxCompute" put "$T/snap.mcr"
expect_ok "the changes too" put "$T/changes.mcr"
expect_ok "a rerun is a repeat" put "$T/changes.mcr"
expect_eq "d__u_log holds one DROP marker 'X' at the DROP DATABASE's position, then the CREATE's 'C'" \
	"$(sqlite3 "$DB" "SELECT group_concat(m, ' ') FROM (SELECT mc_op || '@' || mc_pos_file || ':' ||
		mc_pos_off || ':' || mc_pos_row AS m FROM d__u_log WHERE mc_image IS NULL
		ORDER BY mc_pos_file, mc_pos_off, mc_pos_row)")" "X@$DROP C@$UC"
expect_eq "e__v_log holds no marker" "$(sqlite3 "$DB" "SELECT count(*) FROM e__v_log WHERE mc_image IS NULL")" 0
for t in d__t d__u e__v; do
	expect_ok "$t: merged at the end in MaxCompute" \
		mc-merge $OD --state="$T/s" --table=$t --at="$AT" --into=m_$t
done
expect_eq "d.t: the new rows only" "$(sqlite3 "$DB" "SELECT id || '|' || v FROM m_d__t ORDER BY id" | tr '\n' ' ')" "10|10 11|11 "
expect_eq "d.u: empty" "$(sqlite3 "$DB" "SELECT count(*) FROM m_d__u")" 0
expect_eq "e.v: untouched" "$(sqlite3 "$DB" "SELECT id || '|' || v FROM m_e__v ORDER BY id" | tr '\n' ' ')" "1|1 2|20 3|3 "
# the dts log layout: the markers go into T_log_ddl
put2() { mc-tunnel-put --dest=odps://p2 --odps-config="$ODPS_CONF" --state="$T/s2" --retry-time=0.2 \
	--log-layout=dts "$@"; }
expect_ok "dts: the snapshot goes into MaxCompute" put2 "$T/snap.mcr"
expect_ok "dts: the changes too" put2 "$T/changes.mcr"
expect_eq "dts: d__u_log_ddl holds the DROP's 'X' and the CREATE's 'C'" \
	"$(sqlite3 "$T/srv/p2.db" "SELECT group_concat(m, ' ') FROM (SELECT mc_op || '@' || mc_pos_file || ':' ||
		mc_pos_off || ':' || mc_pos_row AS m FROM d__u_log_ddl ORDER BY mc_pos_file, mc_pos_off, mc_pos_row)")" \
	"X@$DROP C@$UC"
expect_ok "dts: d.t merged at the end in MaxCompute" \
	mc-merge --dest=odps://p2 --odps-config="$ODPS_CONF" --state="$T/s2" --table=d__t --at="$AT" --into=m_d__t
expect_eq "dts: d.t: the new rows only" \
	"$(sqlite3 "$T/srv/p2.db" "SELECT id || '|' || v FROM m_d__t ORDER BY id" | tr '\n' ' ')" "10|10 11|11 "

# a table given its name by --name: found by its source name
expect_ok "--name: the snapshot and the changes, d.t as 'foo'" \
	mc-tunnel-put --dest="$T/w7" --name=d.t=foo "$T/snap.mcr" "$T/changes.mcr"
expect_ok "--name: foo merged" mc-merge --warehouse="$T/w7" --table=foo --at="$AT" --output="$T/foo.mcr"
expect_eq "--name: the new rows only" "$(rows "$T/foo.mcr" | tr '\n' ' ')" "10|10 11|11 "

# the record as an older tail wrote it (no effect), or with effect drop:
# the statement decides
for e in none drop; do
	case $e in
	none) sub='s/,"effect":"other"//' ;;
	*) sub='s/"effect":"other"/"effect":"drop"/' ;;
	esac
	sed "/SCHEMA \*\/ if EXISTS/$sub" "$T/changes.jsonl" | mc-cat --to=mcr >"$T/ch_$e.mcr" 2>"$T/err" ||
		{ fail "setup" "mc-cat: $(cat "$T/err")"; exit 1; }
	expect_eq "effect $e: the record" "$(mc-cat "$T/ch_$e.mcr" | grep 'SCHEMA \*/ if EXISTS' |
		sed -n 's/.*"effect":"\([a-z]*\)".*/\1/p')" "$(echo $e | sed s/none//)"
	expect_ok "effect $e: the snapshot and the changes" mc-tunnel-put --dest="$T/w_$e" "$T/snap.mcr" "$T/ch_$e.mcr"
	expect_ok "effect $e: d.t merged" mc-merge --warehouse="$T/w_$e" --table=d__t --at="$AT" --output="$T/t_$e.mcr"
	expect_eq "effect $e: the new rows only" "$(rows "$T/t_$e.mcr" | tr '\n' ' ')" "10|10 11|11 "
done

# a second server's table of a database d (its own server_id): untouched
# by the first server's DROP DATABASE d
sql "CREATE TABLE d.z (id INT PRIMARY KEY); INSERT INTO d.z VALUES (1)" || { fail "setup" "sql failed"; exit 1; }
mc-snapshot $MDB_ARGS --databases=d --tables='^d[.]z$' >"$T/z.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-snapshot: $(cat "$T/err")"; exit 1; }
mc-cat "$T/z.mcr" | sed '1s/"source_id":"[0-9]*"/"source_id":"424242"/' | mc-cat --to=mcr >"$T/z2.mcr"
expect_ok "two servers: the first's snapshot" mc-tunnel-put --dest="$T/w4" "$T/snap.mcr"
expect_ok "two servers: the second's d.z" mc-tunnel-put --dest="$T/w4" "$T/z2.mcr"
expect_ok "two servers: the first's changes, with its DROP DATABASE d" mc-tunnel-put --dest="$T/w4" "$T/changes.mcr"
expect_eq "... a DROP of its d.u" "$(for f in "$T"/w4/d__u_log/ds=*/part-*.mcr.zst; do mc-cat "$f"; done |
	grep -c '"effect":"drop"')" 1
expect_eq "... none of the second server's d.z" "$(ls "$T/w4" | grep -c '^d__z_log')" 0

# through mc-transform's names (d.t is 'd_t', its records' table field,
# src_table 't'): the tables of d are found by their ledger keys, which
# keep the source database
printf 'names:\n  replace:\n    - {from: "__", to: "_"}\n' >"$T/r.yaml"
mc-transform --rules="$T/r.yaml" "$T/snap.mcr" >"$T/snapt.mcr" 2>"$T/err" &&
	mc-transform --rules="$T/r.yaml" "$T/changes.mcr" >"$T/changest.mcr" 2>>"$T/err" ||
	{ fail "setup" "mc-transform: $(cat "$T/err")"; exit 1; }
expect_ok "renamed: the snapshot goes into a local warehouse" mc-tunnel-put --dest="$T/w2" "$T/snapt.mcr"
expect_ok "renamed: the changes too" mc-tunnel-put --dest="$T/w2" "$T/changest.mcr"
for t in d_t d_u e_v; do
	expect_ok "renamed: $t merged at the end" \
		mc-merge --warehouse="$T/w2" --table=$t --at="$AT" --output="$T/r_$t.mcr"
done
expect_eq "renamed: d_t holds its new rows only" "$(rows "$T/r_d_t.mcr" | tr '\n' ' ')" "10|10 11|11 "
expect_eq "renamed: d_u is empty" "$(rows "$T/r_d_u.mcr" | wc -l)" 0
expect_eq "renamed: e_v untouched" "$(rows "$T/r_e_v.mcr" | tr '\n' ' ')" "1|1 2|20 3|3 "

# tables merged into one (mc-transform's merge rules): a DROP DATABASE of
# the database all of its tables are of is one DROP of it; of one of
# several databases, refused (its marker would empty the others' too)
sql "CREATE DATABASE s1; CREATE DATABASE s2; CREATE DATABASE s3;
     CREATE TABLE s1.o1 (id INT PRIMARY KEY); CREATE TABLE s2.o2 (id INT PRIMARY KEY);
     CREATE TABLE s3.p_1 (id INT PRIMARY KEY); CREATE TABLE s3.p_2 (id INT PRIMARY KEY);
     INSERT INTO s1.o1 VALUES (1); INSERT INTO s2.o2 VALUES (2);
     INSERT INTO s3.p_1 VALUES (1); INSERT INTO s3.p_2 VALUES (2)" ||
	{ fail "setup" "sql failed"; exit 1; }
cat >"$T/m.yaml" <<'YAML'
version: 1
select:
  include:
    - db: s1
    - db: s2
    - db: s3
merge:
  - into: allo
    tables:
      - {db: s1, table: o1}
      - {db: s2, table: o2}
    shard_column: src_table
  - into: allp
    tables:
      - {db: s3, table: "/p_[0-9]+/"}
    shard_column: src_table
YAML
mc-snapshot $MDB_ARGS --rules="$T/m.yaml" >"$T/ms.mcr" 2>"$T/err" &&
	mc-transform --rules="$T/m.yaml" "$T/ms.mcr" >"$T/mst.mcr" 2>>"$T/err" ||
	{ fail "setup" "snapshot: $(cat "$T/err")"; exit 1; }
sql "INSERT INTO s3.p_1 VALUES (3); DROP DATABASE s3; FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
mdb_changes "$T/ms.mcr" "$T/mc1.mcr"
sql "DROP DATABASE s1; FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
mdb_changes "$T/ms.mcr" "$T/mc2.mcr"
mc-transform --rules="$T/m.yaml" "$T/mc1.mcr" >"$T/mc1t.mcr" 2>"$T/err" &&
	mc-transform --rules="$T/m.yaml" "$T/mc2.mcr" >"$T/mc2t.mcr" 2>>"$T/err" ||
	{ fail "setup" "mc-transform: $(cat "$T/err")"; exit 1; }
MAT=$(mc-cat --to=summary "$T/mc1.mcr" | sed -n 's/^positions: .* \.\. //p')
expect_ok "merged: the snapshot goes into a local warehouse" mc-tunnel-put --dest="$T/w3" "$T/mst.mcr"
expect_ok "merged: DROP DATABASE s3, all of whose tables are merged into allp" \
	mc-tunnel-put --dest="$T/w3" "$T/mc1t.mcr"
for f in "$T"/w3/allp_log/ds=*/part-*.mcr.zst; do mc-cat "$f"; done >"$T/p.jsonl"
expect_eq "... one DROP in allp's log" "$(grep '"kind":"ddl"' "$T/p.jsonl" | grep -c '"effect":"drop"')" 1
expect_code 1 "... allp merged after it is gone (no CREATE after the DROP)" \
	mc-merge --warehouse="$T/w3" --table=allp --at="$MAT" --output="$T/p.mcr"
expect_grep "... naming the DROP DATABASE" "table 'allp': 'DROP DATABASE s3' at position .*the table is gone" "$T/err"
expect_code 1 "merged: DROP DATABASE s1, one of the two databases of allo, is refused" \
	mc-tunnel-put --dest="$T/w3" "$T/mc2t.mcr"
expect_grep "... saying why" "'DROP DATABASE s1' drops 's1.o1', one of the tables merged into 'allo' with tables of other databases .*a DROP of 'allo' would empty theirs too" "$T/err"
expect_ok "merged: the snapshot into another warehouse" mc-tunnel-put --dest="$T/w5" "$T/mst.mcr"
expect_code 1 "merged: a file with both DROPs, a commit at each transaction, is refused" \
	mc-tunnel-put --dest="$T/w5" --commit-rows=1 "$T/mc2t.mcr"
expect_eq "... before anything of it is committed (read whole first)" "$(ls "$T/w5" | grep -c allp_log)" 0
expect_ok "... allo merged at the end" mc-merge --warehouse="$T/w3" --table=allo --at="$MAT" --output="$T/o.mcr"
expect_eq "... keeps both tables' rows" "$(mc-cat "$T/o.mcr" | grep -c '"kind":"row"')" 2

#!/bin/sh
# An ALTER TABLE ... CONVERT TO CHARACTER SET that the DDL rules drop
# (alter_other: ignore). The server converts the stored values of every
# text column (CHAR, VARCHAR, TEXT, ENUM, SET) to the new charset and
# writes no row events for it: utf8mb4 '中文' in latin1 is '??' (sql_mode
# not strict); and even to utf8mb4, MariaDB makes '' an ENUM or SET value
# whose labels were in another charset (latin1 'é'). The schema records do
# not carry charsets, so they say the same types after it: dropped, the
# statement left the warehouse with the old values after the merge, exit 0
# everywhere; kept (alter_other: normal), the merge kept them too. A
# throwaway MariaDB, a snapshot, one ALTER per table, the binlog tailed:
# mc-transform now stops (exit 1) naming the table, the statement, its
# position and the rule, and the way out, for every spelling the server
# reads (CHARSET, CHAR SET, a quoted name, COLLATE, DEFAULT, utf8 which is
# utf8mb3, a versioned comment, with other clauses), and for utf8mb4 on a
# table with an ENUM or SET column or whose columns the run does not know;
# and the merge stops at such a statement it holds. A conversion to
# utf8mb4 (from latin1, or another collation) of a table known to have no
# ENUM or SET column keeps every value and is still dropped, as are the
# table options DEFAULT CHARACTER SET and COLLATE, which change no stored
# value: the merge equals the server.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
# TABLE|COLUMNS|TABLE OPTIONS|THE VALUES OF ROW 1|ALTER TABLE d.TABLE ...|EXPECTED
cat >"$T/cases" <<'EOF2'
la|c VARCHAR(10), t TEXT, e ENUM('中','b')||'中文', '中文😀', '中'|CONVERT TO CHARACTER SET latin1|refuse
lc|c VARCHAR(10)||'中文'|CONVERT TO CHARSET latin1 COLLATE latin1_bin|refuse
cs|c VARCHAR(10)||'中文'|CONVERT TO CHAR SET 'latin1'|refuse
bq|c VARCHAR(10)||'中文'|convert to character set `ascii`|refuse
u3|c VARCHAR(10)||'a😀'|ENGINE=InnoDB, CONVERT TO CHARACTER SET utf8|refuse
vc|c VARCHAR(10)||'中文'|/*!40101 CONVERT TO CHARACTER SET latin1 */|refuse
df|c VARCHAR(10)||'中文'|CONVERT TO CHARACTER SET DEFAULT|refuse
ad|c VARCHAR(10)||'中文'|ADD COLUMN n INT, CONVERT TO CHARACTER SET latin1|refuse
le|c VARCHAR(10), e ENUM('é','b'), s SET('é','b')|CHARSET latin1|'abé', 'é', 'é,b'|CONVERT TO CHARACTER SET utf8mb4|refuse
lu|c VARCHAR(10), t TEXT|CHARSET latin1|'abé', 'é'|CONVERT TO CHARACTER SET utf8mb4|keep
ub|c VARCHAR(10), t TEXT||'中文😀', '中文'|CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin|keep
dc|c VARCHAR(10)||'中文'|DEFAULT CHARACTER SET latin1|keep
co|c VARCHAR(10)||'中文'|CHARSET=latin1 COLLATE=latin1_bin|keep
cm|c VARCHAR(10)||'中文'|COMMENT='convert to character set latin1'|keep
EOF2
{
	echo "CREATE DATABASE d CHARACTER SET utf8mb4;"
	while IFS='|' read -r n cols o v st x; do
		echo "CREATE TABLE d.$n (id INT PRIMARY KEY, $cols) $o; INSERT INTO d.$n VALUES (1, $v); INSERT INTO d.$n (id) VALUES (2);"
	done <"$T/cases"
} >"$T/setup.sql"
sql "$(cat "$T/setup.sql")" || { fail "setup" "sql failed"; exit 1; }
mdb_snap_d
{
	echo "SET SESSION sql_mode='';" # the server makes a character '?', as it does then
	while IFS='|' read -r n cols o v st x; do
		# le: no row after, whose table map mc-binlog-tail refuses (its
		# ENUM label E9 is no utf8mb4: tests/t2078)
		echo "ALTER TABLE d.$n $st;"
		[ "$n" = le ] || echo "INSERT INTO d.$n (id) VALUES (3);"
	done <"$T/cases"
} >"$T/alter.sql"
sql "$(cat "$T/alter.sql")" || { fail "setup" "the ALTERs failed"; exit 1; }
sql "FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
mdb_changes "$T/snap.mcr" "$T/changes.mcr"
at=$(mc-cat --to=summary "$T/changes.mcr" | sed -n 's/^positions: .* \.\. //p')
# (le not: its labels are no text of their charset, mc-snapshot refuses it)
mc-snapshot $MDB_ARGS --databases=d --exclude='^d[.]le$' >"$T/now.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-snapshot: $(cat "$T/err")"; exit 1; }
mc-cat --to=csv --table=d.la "$T/now.mcr" | sort >"$T/la.server"
expect_grep "la: the server converted the older rows to latin1" '^1,\?\?,\?\?\?,""$' "$T/la.server"
mc-cat --to=csv --table=d.u3 "$T/now.mcr" | sort >"$T/u3.server"
expect_grep "u3: ... and to utf8mb3" '^1,a\?$' "$T/u3.server"
sql "SELECT id, c, HEX(e), s FROM d.le WHERE id = 1" >"$T/le.server"
expect_grep "le: ... and to utf8mb4, the ENUM value made '', the SET's member gone" "^1	abé		b$" "$T/le.server"
expect_eq "vc: the binlog keeps the versioned comment" "$(grep -ac '/\*!40101 CONVERT' "$T/changes.mcr")" 1

rules() { # FILE POLICY TABLE...: add_column, modify_column and alter_other POLICY, the tables named
	_f=$1 _p=$2
	shift 2
	{
		printf 'names:\n  template: "${db}__${table}"\nddl:\n  add_column: %s\n  modify_column: %s\n  alter_other: %s\nselect:\n  include:\n' "$_p" "$_p" "$_p"
		for _t; do printf '    - {db: d, table: %s}\n' "$_t"; done
	} >"$_f"
}
load() { # DIR RULES: the snapshot and the changes through RULES, loaded into DIR
	mc-transform --rules="$2" "$T/snap.mcr" >"$T/s.t.mcr" 2>"$T/err" &&
		mc-transform --rules="$2" --schema="$T/snap.mcr" "$T/changes.mcr" >"$T/c.t.mcr" 2>>"$T/err" &&
		mc-tunnel-put --dest="$1" "$T/s.t.mcr" 2>>"$T/err" &&
		mc-tunnel-put --dest="$1" "$T/c.t.mcr" 2>>"$T/err"
}

# what dropping it did: la's statement taken out of its changes by hand
# (the run before this fix), loaded and merged: exit 0, the older rows
# keep the values the server changed.
rules "$T/la.n.yaml" normal la
mc-transform --rules="$T/la.n.yaml" "$T/snap.mcr" >"$T/s.la.mcr" &&
	mc-transform --rules="$T/la.n.yaml" "$T/changes.mcr" | mc-cat | python3 -c '
import json, sys
n = 0
for l in sys.stdin:
    r = json.loads(l)
    if r.get("kind") == "ddl":
        continue
    if r.get("kind") == "trailer":
        r["count"] = n
    elif "mcr" not in r:
        n += 1
    print(json.dumps(r))' | mc-cat --to=mcr >"$T/c.la.mcr" || fail "la: the changes without the statement" "failed"
mc-tunnel-put --dest="$T/w0" "$T/s.la.mcr" 2>"$T/err" && mc-tunnel-put --dest="$T/w0" "$T/c.la.mcr" 2>>"$T/err" ||
	fail "la: the streams without the statement load" "$(cat "$T/err")"
expect_ok "la: the statement dropped by hand: the merge exits 0" \
	mc-merge --warehouse="$T/w0" --table=d__la --at="$at" --output="$T/m.mcr"
mc-cat --to=csv --table=d.d__la "$T/m.mcr" | sort >"$T/got"
expect_grep "... with the values before the conversion (the server: $(grep '^1,' "$T/la.server"))" '^1,中文,中文😀,中$' "$T/got"

# each refused statement, alone
while IFS='|' read -r n cols o v st x; do
	[ "$x" = refuse ] || continue
	rules "$T/$n.yaml" ignore "$n"
	expect_code 1 "$n: '$st' dropped: refused" \
		mc-transform --rules="$T/$n.yaml" --schema="$T/snap.mcr" "$T/changes.mcr"
	st_re=$(printf '%s' "ALTER TABLE d.$n $st" | sed 's/[][().*+?^$|\\]/\\&/g')
	expect_grep "$n: the message names the place, the table, the statement, the rule and the way out" \
		"^mc-transform: '.*changes.mcr': record [0-9]+: position [0-9]+:[0-9]+:0: table 'd.$n': (column 'e': )?'$st_re' may change the values the rows hold, and the rules drop it \(ddl.alter_other: ignore at .*$n.yaml:6:16\): CONVERT TO CHARACTER SET .*; the warehouse would keep the old values. Keep the statement \(ddl.alter_other: normal or alert: the merge then stops at it\), or load a new snapshot of the table taken after it \(mc-tunnel-put --resnapshot\), the table left out of this run's select$" "$T/err"
	[ "$(wc -l <"$T/err")" -eq 1 ] && ok "$n: one line" || fail "$n: one line" "$(cat "$T/err")"
	expect_code 1 "$n: the output ends without a trailer" mc-cat --check "$T/out"
done <"$T/cases"
expect_code 1 "la again" mc-transform --rules="$T/la.yaml" --schema="$T/snap.mcr" "$T/changes.mcr"
expect_grep "la: the charset named" "CONVERT TO CHARACTER SET converts the values of every text column \(CHAR, VARCHAR, TEXT, ENUM, SET\) to 'latin1', a character it has not becoming '\?' \(sql_mode not strict\); the schema records do not say the columns' charsets before it, and only utf8mb4, utf16 and utf32 hold every character of any of them;" "$T/err"
expect_code 1 "u3 again" mc-transform --rules="$T/u3.yaml" --schema="$T/snap.mcr" "$T/changes.mcr"
expect_grep "u3: utf8 (utf8mb3 here) named" "to 'utf8', a character" "$T/err"
expect_code 1 "df again" mc-transform --rules="$T/df.yaml" --schema="$T/snap.mcr" "$T/changes.mcr"
expect_grep "df: DEFAULT, not known" "to the database's charset \(DEFAULT\), which this run does not know, a character" "$T/err"
expect_code 1 "le again" mc-transform --rules="$T/le.yaml" --schema="$T/snap.mcr" "$T/changes.mcr"
expect_grep "le: to utf8mb4, an ENUM column named" "table 'd.le': column 'e': .*: CONVERT TO CHARACTER SET keeps the characters of the text, but the server makes an ENUM or SET value '' when the column's labels were in another charset \(not ASCII in latin1, any in utf16\), and the schema records do not say the charset \(the column is 'enum\('é','b'\)'\);" "$T/err"
rules "$T/lu.yaml" ignore lu
expect_code 1 "lu: to utf8mb4, the table's columns not known (no --schema): refused" \
	mc-transform --rules="$T/lu.yaml" "$T/changes.mcr"
expect_grep "... saying so" "table 'd.lu': 'ALTER TABLE d.lu CONVERT TO CHARACTER SET utf8mb4' may change .*: CONVERT TO CHARACTER SET keeps the characters of the text, but the server makes an ENUM or SET value '' when the column's labels were in another charset, and the table's columns before it are not known to this run \(no schema record of the table before it, or a statement on its columns passed since\);" "$T/err"
expect_ok "... the snapshot and the changes in one run know them" \
	mc-transform --rules="$T/lu.yaml" "$T/snap.mcr" "$T/changes.mcr"
expect_code 1 "without --schema too" mc-transform --rules="$T/la.yaml" "$T/changes.mcr"
expect_grep "... the same refusal" "table 'd.la': 'ALTER TABLE d.la CONVERT TO CHARACTER SET latin1' may change" "$T/err"

# the statements kept: dropped, loaded, merged, equal to the server
rules "$T/keep.yaml" ignore $(awk -F'|' '$6 == "keep" { print $1 }' "$T/cases")
expect_ok "the statements that keep the values: dropped" \
	mc-transform --rules="$T/keep.yaml" --schema="$T/snap.mcr" "$T/changes.mcr"
expect_eq "... no ddl record left" "$(mc-cat "$T/out" | grep -c '"kind":"ddl"')" 0
load "$T/w" "$T/keep.yaml" || fail "the kept statements' tables load" "$(cat "$T/err")"
while IFS='|' read -r n cols o v st x; do
	[ "$x" = keep ] || continue
	expect_ok "$n: '$st' dropped: merges" \
		mc-merge --warehouse="$T/w" --table=d__$n --at="$at" --output="$T/m.mcr"
	mc-cat --to=csv --table=d.d__$n "$T/m.mcr" | sort >"$T/got"
	mc-cat --to=csv --table=d.$n "$T/now.mcr" | sort >"$T/want"
	expect_same "$n: ... equal to the server" "$T/got" "$T/want"
done <"$T/cases"

# the statement kept (alter_other: normal, the way out the message names):
# the merge stops at it, where it kept the old values with exit 0
rules "$T/normal.yaml" normal la df le ub
load "$T/wn" "$T/normal.yaml" || fail "la, df, le and ub under normal load" "$(cat "$T/err")"
expect_code 1 "la: CONVERT TO latin1 kept: the merge stops at it" \
	mc-merge --warehouse="$T/wn" --table=d__la --at="$at" --output="$T/m.mcr"
expect_grep "... naming the table, the statement, the reason and the way out" \
	"^mc-merge: table 'd__la': changed at [0-9]+:[0-9]+:0 \('ALTER TABLE d.la CONVERT TO CHARACTER SET latin1', in '.*d__la/_schemahist.mcr'\): CONVERT TO CHARACTER SET converts the values of every text column to 'latin1', a character it has not becoming '\?', which the binlog does not say \(only utf8mb4, utf16 and utf32 hold every character\); merge up to a point before it, or load a new snapshot of the table taken after it \(mc-tunnel-put --resnapshot\)$" "$T/err"
expect_code 1 "df: CONVERT TO DEFAULT kept: the merge stops at it" \
	mc-merge --warehouse="$T/wn" --table=d__df --at="$at" --output="$T/m.mcr"
expect_grep "... the charset not known" "to the database's charset \(DEFAULT\), a character" "$T/err"
expect_code 1 "le: CONVERT TO utf8mb4 of ENUM and SET columns kept: the merge stops at it" \
	mc-merge --warehouse="$T/wn" --table=d__le --at="$at" --output="$T/m.mcr"
expect_grep "... naming the column" "^mc-merge: table 'd__le': changed at .*: CONVERT TO CHARACTER SET keeps the characters of the text, but the server makes an ENUM or SET value '' when the column's labels were in another charset, which the schema records do not say \(column 'e'\); merge up to" "$T/err"
expect_ok "ub: CONVERT TO utf8mb4 of a table without ENUM or SET kept: merges" \
	mc-merge --warehouse="$T/wn" --table=d__ub --at="$at" --output="$T/m.mcr"
mc-cat --to=csv --table=d.d__ub "$T/m.mcr" | sort >"$T/got"
mc-cat --to=csv --table=d.ub "$T/now.mcr" | sort >"$T/want"
expect_same "... equal to the server" "$T/got" "$T/want"
expect_ok "la: a merge before the statement still runs" \
	mc-merge --warehouse="$T/wn" --table=d__la --at="$(mc-cat --to=summary "$T/snap.mcr" |
		sed -n 's/^positions: .* \.\. //p')" --output="$T/m.mcr"

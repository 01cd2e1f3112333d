#!/bin/sh
# The rules' check of a RENAME COLUMN or CHANGE of a masked column to a
# name no mask rule covers applies whatever the DDL policy: under
# rename_column: ignore (modify_column: ignore for a CHANGE) the statement
# is refused, exit 1, with no e-mail in the clear in the output, the
# message saying the policy drops it but the rows after it have the new
# name; a rename to a name a mask covers too is dropped, exit 0.
# (The dropped statement skipped the check: the later rows' e-mails in the
# clear, exit 0: found by a tester)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d; USE d; CREATE TABLE u (id INT PRIMARY KEY, email VARCHAR(60));
INSERT INTO u VALUES (1,'a@corp.com')" || { fail "setup" "sql"; exit 1; }
mdb_snap_d
printf 'select: {include: [{db: d}]}\nnames: {template: "${table}"}\nmask: [{table: u, column: email, with: hash}]\nddl: {rename_column: ignore, modify_column: ignore}\n' >"$T/r.yaml"
n=0
for st in "ALTER TABLE u RENAME COLUMN email TO contact" "ALTER TABLE u CHANGE email contact VARCHAR(60)"; do
	n=$((n + 1))
	a=$(mdb_pos)
	sql "USE d; $st; INSERT INTO u VALUES (1$n, 'leak$n@corp.com')" || { fail "setup" "sql"; exit 1; }
	mc-binlog-tail --schema="$T/snap.mcr" --from="$MDB_DIR/binlog/mysql-bin.000001:$a" \
		"$MDB_DIR/binlog/mysql-bin.000001" >"$T/ch$n.mcr" 2>"$T/err" || { fail "setup" "tail"; exit 1; }
	mc-transform --rules="$T/r.yaml" --schema="$T/snap.mcr" "$T/ch$n.mcr" >"$T/o$n.mcr" 2>"$T/err"
	rc=$?
	expect_eq "$st under ignore: exit 1" "$rc" 1
	expect_grep "$st under ignore: the refusal says why" "dropped by the ddl policy.*a mask rule covers it, none its new name 'contact'" "$T/err"
	if mc-cat "$T/o$n.mcr" 2>/dev/null | grep -q "leak$n@corp.com"; then
		fail "$st under ignore: no e-mail in the clear" "exit $rc, the insert's e-mail in the clear: $(mc-cat "$T/o$n.mcr" | grep -o "\[1$n,[^]]*\]")"
	else
		ok "$st under ignore: no e-mail in the clear (exit $rc)"
	fi
	sql "USE d; DROP TABLE u; CREATE TABLE u (id INT PRIMARY KEY, email VARCHAR(60)); INSERT INTO u VALUES (1,'a@corp.com')" || exit 1
	mdb_snap_d
done
# a rename to a name a mask rule covers as well: dropped, exit 0
printf 'select: {include: [{db: d}]}\nnames: {template: "${table}"}\nmask: [{table: u, column: "/email|contact/", with: hash}]\nddl: {rename_column: ignore}\n' >"$T/r2.yaml"
a=$(mdb_pos)
sql "USE d; ALTER TABLE u RENAME COLUMN email TO contact; INSERT INTO u VALUES (30, 'z@corp.com')" || { fail "setup" "sql"; exit 1; }
mc-binlog-tail --schema="$T/snap.mcr" --from="$MDB_DIR/binlog/mysql-bin.000001:$a" \
	"$MDB_DIR/binlog/mysql-bin.000001" >"$T/ch9.mcr" 2>"$T/err" || { fail "setup" "tail"; exit 1; }
expect_ok "a rename to a name a mask covers too, under ignore: dropped" \
	mc-transform --rules="$T/r2.yaml" --schema="$T/snap.mcr" "$T/ch9.mcr"

#!/bin/sh
# ddl records name each table in its own database (USE other; ALTER TABLE
# p2.t is `p2`.`t`; DROP TABLE a, b is one record per table), carry the
# statement in UTF-8 whatever its client charset (a latin1 statement), and
# never a password (CREATE USER / ALTER USER ... IDENTIFIED BY: redacted).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
sql "CREATE DATABASE other; CREATE DATABASE p2;
CREATE TABLE p2.t (id INT PRIMARY KEY); CREATE TABLE p2.a (id INT PRIMARY KEY);
CREATE TABLE other.b (id INT PRIMARY KEY);
USE other; ALTER TABLE p2.t ADD COLUMN c INT; DROP TABLE p2.a, b"
# a latin1 client: the bytes of 'café' and 'é' in latin1
printf "SET NAMES latin1; CREATE TABLE p2.l (id INT PRIMARY KEY, v VARCHAR(10) DEFAULT 'caf\351') COMMENT 'd\351j\340';\n" |
	"$MDB_CLIENT" --no-defaults --socket="$MDB_SOCK" --user=root --default-character-set=latin1
sql "CREATE USER 'u1'@'localhost' IDENTIFIED BY 'Sekr1t-one';
ALTER USER 'u1'@'localhost' IDENTIFIED BY 'Sekr1t-two';
CREATE USER 'u2'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('Sekr1t-three');
GRANT SELECT ON p2.* TO 'u1'@'localhost';
SET PASSWORD FOR 'u1'@'localhost' = PASSWORD('Sekr1t-four'); FLUSH BINARY LOGS"
hashes=$(sql "SELECT authentication_string FROM mysql.global_priv JOIN (SELECT 1) x
	WHERE 0" 2>/dev/null; sql "SELECT JSON_VALUE(Priv, '\$.authentication_string') FROM mysql.global_priv WHERE User IN ('u1','u2')")
B=$MDB_DIR/binlog/mysql-bin.000001

expect_code 0 "the binlog decodes" mc-binlog-tail --format=text "$B"
cp "$T/out" "$T/ddl.txt"
expect_grep "USE other; ALTER TABLE p2.t: named \`p2\`.\`t\`" '^ddl `p2`.`t` .*ALTER TABLE p2.t ADD' "$T/ddl.txt"
expect_eq "... not \`other\`.\`t\`" "$(grep -c '^ddl `other`.`t` ' "$T/ddl.txt")" 0
expect_grep "DROP TABLE p2.a, b: p2.a named" '^ddl `p2`.`a` .*DROP TABLE' "$T/ddl.txt"
expect_grep "... and b, in the default database" '^ddl `other`.`b` .*DROP TABLE' "$T/ddl.txt"
drop_a=$(sed -n 's/^ddl `p2`.`a` \([0-9:]*\) .*DROP.*/\1/p' "$T/ddl.txt")
drop_b=$(sed -n 's/^ddl `other`.`b` \([0-9:]*\) .*DROP.*/\1/p' "$T/ddl.txt")
expect_eq "... at positions one row apart" "${drop_b%:*}:$((${drop_a##*:} + 1))" "$drop_b"
expect_grep "... its txn_end mark at the last one" "^mark txn_end $drop_b " "$T/ddl.txt"
expect_code 0 "--tables='^other\\.' keeps only the record of other.b" \
	mc-binlog-tail --format=text --tables='^other\.' "$B"
expect_eq "... one DROP record" "$(grep -c '^ddl .*DROP TABLE' "$T/out")" 1

# latin1: the statement in UTF-8; the stream converts to JSON lines
expect_grep "a latin1 statement is written in UTF-8" "^ddl \`p2\`.\`l\` .*DEFAULT 'café'.*COMMENT 'déjà'" "$T/ddl.txt"
mc-binlog-tail "$B" >"$T/s.mcr"
expect_ok "... and its stream converts to JSON lines" mc-cat --to=jsonl "$T/s.mcr"
expect_grep "... with the UTF-8 text" "COMMENT 'déjà'" "$T/out"

# passwords: never written
expect_eq "no password in the records" "$(grep -c 'Sekr1t' "$T/ddl.txt")" 0
for h in $hashes; do
	[ -n "$h" ] && expect_eq "no password hash in the records (${h%"${h#??????}"}...)" \
		"$(grep -cF -- "$h" "$T/ddl.txt")" 0
done
expect_grep "CREATE USER: the secret redacted" "^ddl \`\`.\`\` .*CREATE USER 'u1'@'localhost' IDENTIFIED BY '<redacted>'" "$T/ddl.txt"
expect_grep "ALTER USER: the secret redacted" "ALTER USER 'u1'@'localhost' IDENTIFIED BY '<redacted>'" "$T/ddl.txt"
expect_grep "USING PASSWORD('...'): redacted" "USING PASSWORD\\('<redacted>'\\)" "$T/ddl.txt"

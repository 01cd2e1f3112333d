#!/bin/sh
# Statement-based changes through a stored routine (SELECT f(), DO f(),
# SET @x = f(): logged as SELECT f()) carry no rows: refused (exit 1, the
# file, the offset, binlog_format=ROW) whatever --tables says, also on a
# MyISAM table; under ROW they pass. Passwords with doubled quotes or
# backslashes are redacted whole (also under NO_BACKSLASH_ESCAPES);
# CREATE SEQUENCE a.s is recorded under `a`.`s`.
# (SELECT f() passed with exit 0 and its row lost; 'Se''cr\\et7' was kept
# as '<redacted>''cr\\et7'; the sequence had an empty name.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
B=$MDB_DIR/binlog/mysql-bin
sql "SET GLOBAL log_bin_trust_function_creators=1;
CREATE DATABASE a; CREATE TABLE a.t (id INT PRIMARY KEY) ENGINE=InnoDB;
CREATE TABLE a.m (id INT PRIMARY KEY) ENGINE=MyISAM;
DELIMITER //
CREATE FUNCTION a.f(v INT) RETURNS INT MODIFIES SQL DATA BEGIN INSERT INTO a.t VALUES (v); RETURN 1; END//
CREATE FUNCTION a.g(v INT) RETURNS INT MODIFIES SQL DATA BEGIN INSERT INTO a.m VALUES (v); RETURN 1; END//
DELIMITER ;
SET SESSION binlog_format=ROW; SELECT a.f(1); DO a.g(1); FLUSH BINARY LOGS;
SET SESSION binlog_format=STATEMENT; SELECT a.f(2); FLUSH BINARY LOGS;
SET SESSION binlog_format=STATEMENT; SELECT a.g(2); FLUSH BINARY LOGS;
SET SESSION binlog_format=STATEMENT; DO a.f(3); FLUSH BINARY LOGS;
SET SESSION binlog_format=STATEMENT; SET @x = a.f(4); FLUSH BINARY LOGS" >/dev/null

expect_code 0 "ROW: SELECT f() and DO g() pass" mc-binlog-tail --format=text "$B.000001"
expect_grep "... with the row f() wrote" '^row insert `a`.`t` ' "$T/out"
expect_grep "... and the MyISAM row g() wrote" '^row insert `a`.`m` ' "$T/out"

expect_code 1 "STATEMENT: SELECT f() writing InnoDB: exit 1" mc-binlog-tail "$B.000002"
expect_grep "... naming the file, the offset and the fix" \
	"mysql-bin.000002': offset [0-9]*: statement-based SELECT whose table cannot be told.*binlog_format=ROW" "$T/err"
expect_eq "... one line" "$(wc -l <"$T/err")" 1
expect_code 1 "... whatever --tables says" mc-binlog-tail --tables='^x\.' "$B.000002"
expect_code 1 "STATEMENT: SELECT g() writing MyISAM: exit 1" mc-binlog-tail --tables='^x\.' "$B.000003"
expect_grep "... named" "mysql-bin.000003': offset [0-9]*: statement-based SELECT" "$T/err"
expect_code 1 "STATEMENT: DO f(): exit 1" mc-binlog-tail --tables='^x\.' "$B.000004"
expect_grep "... named" "mysql-bin.000004': offset [0-9]*: statement-based SELECT" "$T/err"
expect_code 1 "STATEMENT: SET @x = f(): exit 1" mc-binlog-tail --tables='^x\.' "$B.000005"

# passwords with '' and \ inside; NO_BACKSLASH_ESCAPES; VIA ... USING
sql "CREATE USER u4@'%' IDENTIFIED BY 'Se''cr\\\\et7';
CREATE USER u5@'%' IDENTIFIED BY 'Xq\\\\'' Zz\\\\'' Yw8';
CREATE USER u6@'%' IDENTIFIED VIA mysql_native_password USING PASSWORD('Kp''Q9w\\\\xV');
CREATE USER u7@'%' IDENTIFIED VIA mysql_native_password USING '*0123456789ABCDEF0123456789ABCDEF01234567';
SET SESSION sql_mode='NO_BACKSLASH_ESCAPES';
CREATE USER u8@'%' IDENTIFIED BY 'Jh\\', u9@'%' IDENTIFIED BY 'Lm5Qr';
SET SESSION sql_mode=DEFAULT;
CREATE SEQUENCE a.s; USE a; CREATE SEQUENCE s2; ALTER SEQUENCE a.s RESTART 5; DROP SEQUENCE a.s, s2;
FLUSH BINARY LOGS" >/dev/null
expect_code 0 "account statements decode" mc-binlog-tail --format=text "$B.000006"
cp "$T/out" "$T/ddl.txt"
for s in cr et7 Zz Yw8 Kp Q9w xV ABCDEF Jh Lm5Qr; do
	expect_eq "no part of a password in the records ($s)" \
		"$(grep 'CREATE USER' "$T/ddl.txt" | sed "s/<redacted>//g; s/u[0-9]@'%'//g; s/mysql_native_password//g" | grep -c "$s")" 0
done
expect_grep "'' inside: the whole literal redacted" "IDENTIFIED BY '<redacted>';*'* *\$" "$T/ddl.txt"
expect_grep "NO_BACKSLASH_ESCAPES: both secrets redacted" \
	"u8@'%' IDENTIFIED BY '<redacted>', u9@'%' IDENTIFIED BY '<redacted>'" "$T/ddl.txt"
expect_grep "CREATE SEQUENCE a.s: named \`a\`.\`s\`" '^ddl `a`.`s` .*CREATE SEQUENCE a.s' "$T/ddl.txt"
expect_grep "CREATE SEQUENCE s2 after USE a: \`a\`.\`s2\`" '^ddl `a`.`s2` .*CREATE SEQUENCE s2' "$T/ddl.txt"
expect_grep "ALTER SEQUENCE: named" '^ddl `a`.`s` .*ALTER SEQUENCE' "$T/ddl.txt"
expect_grep "DROP SEQUENCE a.s, s2: both named" '^ddl `a`.`s2` .*DROP SEQUENCE' "$T/ddl.txt"
expect_eq "... no sequence record without its name" "$(grep -c '^ddl `a`.`` .*SEQUENCE' "$T/ddl.txt")" 0

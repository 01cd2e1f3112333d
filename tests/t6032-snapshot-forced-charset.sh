#!/bin/sh
# A server started with --skip-character-set-client-handshake ignores the
# charset the client asks for in its handshake and sends text in
# character_set_server: with latin1 there, mc-snapshot wrote '??' for
# '中文', '?' for an emoji and latin1 bytes (not UTF-8) for 'é', exit 0,
# where the binlog path gave the values. Each connection now sets the
# session's charsets itself (as SET NAMES does), which such a server
# honours: the values are the table's, in UTF-8.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start --skip-character-set-client-handshake --character-set-server=latin1 \
	--collation-server=latin1_swedish_ci
expect_eq "the server forces latin1 on a client that asks for utf8mb4" \
	"$(sql "SELECT @@character_set_results")" "latin1"
sql "SET NAMES utf8mb4; CREATE DATABASE d CHARACTER SET utf8mb4;
CREATE TABLE d.t (id INT PRIMARY KEY, s VARCHAR(20) CHARACTER SET utf8mb4,
  l VARCHAR(20) CHARACTER SET latin1, e ENUM('ä', '中') CHARACTER SET utf8mb4);
INSERT INTO d.t VALUES (1, '中文', 'é', '中'), (2, '😀x', 'ü', 'ä');" || { fail "setup" "sql"; exit 1; }
expect_eq "... the rows as stored (read with SET NAMES)" \
	"$(sql "SET NAMES utf8mb4; SELECT id, s, l, e FROM d.t ORDER BY id" | tr '\t\n' '|;')" \
	"1|中文|é|中;2|😀x|ü|ä;"
expect_ok "mc-snapshot reads the table" sh -c "mc-snapshot $MDB_ARGS --databases=d >'$T/s.mcr'"
mc-cat "$T/s.mcr" | grep '"kind":"row"' | sed 's/.*"after":\(\[[^]]*\]\).*/\1/' >"$T/rows"
expect_eq "... its values in UTF-8, as stored" "$(tr '\n' ';' <"$T/rows")" \
	'[1,"中文","é","中"];[2,"😀x","ü","ä"];'
expect_ok "... a valid stream" mc-cat --check "$T/s.mcr"

#!/bin/sh
# A change stamped far ahead of the clock (SET timestamp a month on) cuts
# every day up to its stamp at itself (the day cut's rule): their merges
# then hold none of the changes after it, and nothing said so (found by a
# tester). mc-tunnel-put now warns, once a run, naming the record, its
# position, its stamp and how far ahead it is; a change stamped now does
# not.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO d.t VALUES (1,'a')" ||
	{ fail "setup" "sql"; exit 1; }
mdb_snap_d
sql "UPDATE d.t SET v='b' WHERE id=1" || { fail "setup" "sql"; exit 1; }
sql "SET timestamp=UNIX_TIMESTAMP() + 30 * 86400; INSERT INTO d.t VALUES (2,'future');
SET timestamp=DEFAULT; INSERT INTO d.t VALUES (3,'c'); INSERT INTO d.t VALUES (4,'d')" || { fail "setup" "sql"; exit 1; }
mdb_changes "$T/snap.mcr" "$T/ch.mcr"
expect_ok "the snapshot" mc-tunnel-put --dest="$T/w" "$T/snap.mcr"
expect_eq "... no warning" "$(grep -c warning "$T/err")" 0
expect_ok "the changes with one stamped 30 days ahead" mc-tunnel-put --dest="$T/w" "$T/ch.mcr"
expect_grep "... a warning naming it" "^mc-tunnel-put: warning: record [0-9]+: the change at 1:[0-9]+:0 is stamped [0-9-]+ [0-9:]+ UTC, (719|720) hours ahead of this machine's clock \(a session's SET timestamp, or a clock set ahead\): each day up to then is cut at it" "$T/err"
expect_eq "... once" "$(grep -c warning "$T/err")" 1

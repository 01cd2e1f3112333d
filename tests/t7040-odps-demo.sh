#!/bin/sh
# MCSYNC_DEST=odps-local pipelines/full-and-incremental.sh: the demo into
# the local MaxCompute (tests/odps-server): snapshot, tail, Tunnel upload
# (mc-tunnel-put --dest=odps://demo), merge in MaxCompute (mc-merge
# --dest=odps://demo --at --into); the merged tables read back through the
# server's SQL equal the source row by row; the server is stopped; the
# access key is in no file the demo leaves but the mode-600 config.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
need python3

cd "$T" || exit 1
MCSYNC_BIN=$BIN MCSYNC_DEST=odps-local MCSYNC_DEMO_ROWS=600 MCSYNC_DEMO_CHANGES=300 \
	timeout -k 5 240 sh "$TOP/pipelines/full-and-incremental.sh" >"$T/out" 2>"$T/err"
rc=$?
expect_eq "the demo into the local MaxCompute exits 0" "$rc" 0
expect_grep "it prints the customers table, identical" '^shop\.customers +[0-9]+ +[0-9]+  yes$' "$T/out"
expect_grep "and order_items (composite key), identical" '^shop\.order_items +[0-9]+ +[0-9]+  yes$' "$T/out"
n=$(sed -n 's/^shop\.customers *\([0-9]*\) .*/\1/p' "$T/out")
[ "${n:-0}" -gt 500 ] && ok "the comparison covers the source's rows ($n customers)" ||
	fail "the comparison covers the source's rows" "'$n'"
D=$T/mcsync-demo
DB=$D/odps/demo.db
[ ! -d warehouse ] && ok "no local warehouse is made" || fail "no local warehouse is made" "./warehouse"
# the stages really went through MaxCompute: upload sessions committed, the
# log table holds changes, the merge ran as SQL instances
c=$(grep -c ' POST /projects/demo/tables/shop__customers_log?.* 200 ' "$D/odps/requests.log")
[ "$c" -gt 0 ] && ok "the changes went up through Tunnel sessions ($c commits)" ||
	fail "the changes went up through Tunnel sessions" "no commit of shop__customers_log"
n=$(sqlite3 "$DB" "SELECT COUNT(*) FROM shop__customers_log")
[ "$n" -gt 0 ] && ok "the log table holds the changes ($n row images)" ||
	fail "the log table holds the changes" "$n"
expect_eq "the merged table has every row once (no key twice)" \
	"$(sqlite3 "$DB" "SELECT COUNT(*) FROM (SELECT id FROM shop__customers_at GROUP BY id HAVING COUNT(*) > 1)")" 0
expect_eq "the merged table has the source's row count" \
	"$(sqlite3 "$DB" "SELECT COUNT(*) FROM shop__customers_at")" \
	"$(sqlite3 "$DB" "SELECT COUNT(*) FROM source_customers")"
expect_grep "the merge ran in MaxCompute (an INSERT OVERWRITE instance)" \
	'POST /api/projects/demo/instances' "$D/odps/requests.log"
[ -d "$D/odps-state/_mcsync" ] && ok "the upload's state directory is kept" ||
	fail "the upload's state directory is kept" "no $D/odps-state/_mcsync"
# the server was stopped by its pid
if [ -s "$D/odps/port" ] && curl -s -m 2 "http://127.0.0.1:$(cat "$D/odps/port")/_mcsync/faults" >/dev/null 2>&1; then
	fail "the local MaxCompute is stopped at the end" "still answering on port $(cat "$D/odps/port")"
else
	ok "the local MaxCompute is stopped at the end"
fi
[ ! -d "$D/tmp/mdb" ] && ok "the throwaway MariaDB's files are gone" ||
	fail "the throwaway MariaDB's files are gone" "still there"
expect_eq "the config file holding the key is mode 600" "$(stat -c %a "$D/odps/odps_config.ini")" 600
key=$(sed -n 's/^access_key=//p' "$D/odps/odps_config.ini")
if [ -n "$key" ] && ! grep -rqF --exclude=odps_config.ini "$key" "$D" "$T/out" "$T/err"; then
	ok "the access key is in no other file nor message"
else
	fail "the access key is in no other file nor message" "found (or no key)"
fi
# an unknown destination is refused before anything starts
MCSYNC_BIN=$BIN MCSYNC_DEST=odps-remote MCSYNC_WORK=$T/x sh "$TOP/pipelines/full-and-incremental.sh" >"$T/out" 2>"$T/err"
expect_eq "an unknown MCSYNC_DEST exits 1" "$?" 1
expect_grep "naming the ones the demo knows" "MCSYNC_DEST='odps-remote': the demo knows the local warehouse \(unset\) and odps-local" "$T/err"
[ ! -e "$T/x" ] && ok "... and makes nothing" || fail "... and makes nothing" "$T/x exists"
